/** Node options of a production Plenary server (server-flags.mjs). */
export declare const serverNodeFlags: readonly string[];
