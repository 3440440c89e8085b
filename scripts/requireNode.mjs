// Imported first by the build and run scripts: stop early and clearly on a Node that is too old.
import nodeVersion from './nodeVersion.cjs';

nodeVersion.requireSupportedNode();
