export declare const pkg: { name: string; exports?: Record<string, unknown> };
export declare function sourceMap(): Map<string, URL>;
