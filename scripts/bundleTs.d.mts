/** Bundles a TypeScript entry (relative to the checkout at `root`, ending with a slash) for Node; answers the bundle's path. */
export function bundleTs(entry: string, root: string): Promise<string>;
