/** Where the compiled service goes (gitignored); its entry is `.build/start.js`. */
export declare const buildDir: string;
/** Compiles the service into .build/ unless the last build is still current (tools/precompile.mjs). */
export declare function precompile(): Promise<{ built: false } | { built: true; ms: number; modules: number }>;
