export declare const NEEDED: readonly [number, number, number];
export declare function nodeProblem(version?: string, executable?: string): string | null;
export declare function requireSupportedNode(): void;
declare const _default: {
  NEEDED: typeof NEEDED;
  nodeProblem: typeof nodeProblem;
  requireSupportedNode: typeof requireSupportedNode;
};
export default _default;
