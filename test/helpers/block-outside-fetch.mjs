// Preloaded (`node --import`) into scripts the tests run as child processes: the TS client reports
// every call to the vendor's Application Insights endpoint with the global fetch. Anything not
// addressed to the loopback interface is answered at once with 204 here and never leaves the machine.
const original = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") return new Response(null, { status: 204 });
  return original(input, init);
};
