// The React Native bridge's messages, shared by the page side (adapters/react-native.js) and
// the native side (react-native.js). JSON strings, because WebView messages are strings.

export const TAG = "authgear-migrate/storage";

/** Parses a bridge message of ours, or answers `undefined` for anyone else's. */
export function decode(data) {
  if (typeof data !== "string" || !data.includes(TAG)) return undefined;
  try {
    const message = JSON.parse(data);
    return message?.tag === TAG ? message : undefined;
  } catch {
    return undefined;
  }
}

export function encode(message) {
  return JSON.stringify({ tag: TAG, ...message });
}
