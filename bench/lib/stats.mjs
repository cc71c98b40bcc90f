// Order statistics and number formatting. Benchmarks report figures; nothing here judges them.

/** The q-quantile (0..1) of `values`, nearest rank. `null` for no values. */
export function quantile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** `{ n, median, p95, min, max }` of a sample, in its own unit. */
export function summary(values) {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
  };
}

/** A duration in milliseconds, with precision suited to its size. */
export function ms(value) {
  if (value == null || Number.isNaN(value)) return "n/a";
  if (value < 0.01) return `${(value * 1000).toFixed(1)} µs`;
  if (value < 1) return `${(value * 1000).toFixed(0)} µs`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(0)} ms`;
}

/** A byte count as KB (1000 bytes) or B. */
export function kb(bytes) {
  if (bytes == null) return "n/a";
  if (bytes < 1000) return `${bytes} B`;
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** `a / b` as "×1.23"; "n/a" when either is missing or b is 0. */
export function ratio(a, b) {
  if (a == null || b == null || b === 0) return "n/a";
  const r = a / b;
  return `×${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}`;
}

/** A plain-text table: `rows` are arrays of cells; the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? "").length)));
  const line = (row) => row.map((cell, column) => {
    const text = String(cell ?? "");
    // Numbers (and figures such as "12.3 ms", "×1.20") right-aligned, words left.
    return column > 0 && /^[\d×n<≈~.(-]/.test(text) ? text.padStart(widths[column]) : text.padEnd(widths[column]);
  }).join("  ").trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}
