import type { Plugin } from 'esbuild';
export declare const inlineChangelogTemplates: Plugin;
export declare function externalPackagesExcept(bundled: RegExp): Plugin;
