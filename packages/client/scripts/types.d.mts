export declare const repoRoot: string;
export declare const generatedDir: string;
export declare function renderTypes(documents: { openapi: unknown; asyncapi: unknown }): Record<string, string>;
