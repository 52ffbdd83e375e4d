export declare const CHROMIUM_NETWORK_FLAGS: readonly string[];
export declare function chromiumArgs(extra?: string[]): string[];
