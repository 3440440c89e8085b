/**
 * Imported first by the server's entry: on a Node.js that is too old, say so and stop before better-sqlite3
 * (which would crash with a segmentation fault) or argon2 is loaded.
 */
import nodeVersion from '../scripts/nodeVersion.cjs';

nodeVersion.requireSupportedNode();
