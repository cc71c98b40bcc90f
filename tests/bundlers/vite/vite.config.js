// Nothing package-specific: the defaults must do.
export default { build: { outDir: "dist", emptyOutDir: true } };
