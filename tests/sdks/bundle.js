// Bundles each legacy SDK's entry (entries/<name>.js) for the browser with the repository's
// esbuild, in memory: the real-SDK tests serve the result to the page.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** name → { text } of the bundled entry. */
export async function bundleSdks(names) {
  const bundles = {};
  await Promise.all(
    names.map(async (name) => {
      const result = await build({
        entryPoints: [`${HERE}entries/${name}.js`],
        bundle: true,
        write: false,
        format: "iife",
        platform: "browser",
        target: "es2022",
        minify: true,
        logLevel: "error",
        define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
      });
      bundles[name] = { text: result.outputFiles[0].text };
    }),
  );
  return bundles;
}
