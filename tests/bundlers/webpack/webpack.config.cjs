// Nothing package-specific: webpack 5 turns `new URL("…wasm", import.meta.url)` into an asset.
const path = require("node:path");

module.exports = {
  mode: "production",
  entry: "./main.js",
  output: { path: path.resolve(__dirname, "dist"), clean: true },
};
