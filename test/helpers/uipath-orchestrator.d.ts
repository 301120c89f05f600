/** The original product's old Node client ships no types; the tests use it as plain JavaScript. */
declare module "uipath-orchestrator" {
  // biome-ignore lint/suspicious/noExplicitAny: untyped JavaScript client.
  const Orchestrator: any;
  export default Orchestrator;
}
