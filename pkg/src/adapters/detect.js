// What the page runs in, asked without loading any adapter: the entry decides from this alone
// whether a platform's adapter chunk is needed at all.

/** Whether the page is in a React Native WebView whose app listens to it. */
export function hasReactNativeBridge() {
  return typeof globalThis.ReactNativeWebView?.postMessage === "function";
}

/** What the React Native adapter needs, for the error that says it is missing. */
export const REACT_NATIVE_NEEDS = "needs window.ReactNativeWebView: a React Native WebView with an onMessage handler";
