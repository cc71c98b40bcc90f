// React Native: the Authgear SDK keeps its session natively, out of the WebView's reach. The page
// asks the native side over `window.ReactNativeWebView.postMessage` and awaits the correlated
// reply, which the app's WebView delivers back with `webView.postMessage` (see react-native.js).
//
// The native side never sends a token to the page: it answers whether a key is set (`has`) and
// whether it holds exactly a value the page sends (`compare`), which is all the engine's
// "already migrated?" and read-back checks need.

import { MigrateError } from "../errors.js";
import { bridgeStorage } from "./bridge.js";
import { REACT_NATIVE_NEEDS, hasReactNativeBridge } from "./detect.js";

export { HELD_NATIVELY } from "./bridge.js";

/**
 * The `@authgear/react-native` SDK's storage, through the app's bridge.
 * @param {{ timeoutMs?: number }} [options] how long to wait for each reply (default 5000)
 */
export function reactNativeStorage({ timeoutMs } = {}) {
  if (!hasReactNativeBridge()) {
    throw new MigrateError(MigrateError.ERR_ADAPTER_UNAVAILABLE, `reactNativeStorage() ${REACT_NATIVE_NEEDS}`);
  }
  return bridgeStorage(timeoutMs);
}
