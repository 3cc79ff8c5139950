/**
 * Compiles the service of the checkout at `root` (this one by default) into `<root>/.build/` unless the
 * last build is still current (tools/precompile.mjs).
 */
export declare function precompile(root?: string): Promise<{ built: false } | { built: true; ms: number; modules: number }>;
