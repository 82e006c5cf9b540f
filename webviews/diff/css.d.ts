// Lets a panel's main.ts import its stylesheet: esbuild emits it beside the bundle (dist/webviews/<panel>.css).
declare module '*.css';
