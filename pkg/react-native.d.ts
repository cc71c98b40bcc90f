/**
 * The native side of the React Native bridge: use it in the React Native app, not in the page.
 *
 * ```tsx
 * import { PersistentTokenStorage } from "@authgear/react-native";
 * import { createMigrationBridge } from "authgear-migrate/react-native";
 *
 * const webViewRef = useRef<WebView>(null);
 * const onMigrationMessage = useMemo(() => createMigrationBridge({
 *   tokenStorage: new PersistentTokenStorage(),
 *   webViewRef,
 *   allowedOrigins: ["https://app.example.com"],
 * }), []);
 * <WebView ref={webViewRef} source={{ uri: "https://app.example.com" }}
 *   onMessage={(event) => { if (!onMigrationMessage(event)) handleYourOwnMessages(event); }} />
 * ```
 *
 * @packageDocumentation
 */

/** The public API of `@authgear/react-native`'s `PersistentTokenStorage`. */
export interface RefreshTokenStorage {
  getRefreshToken(namespace: string): Promise<string | null>;
  setRefreshToken(namespace: string, refreshToken: string): Promise<void>;
  delRefreshToken(namespace: string): Promise<void>;
}

export interface MigrationBridgeOptions {
  /** `new PersistentTokenStorage()` from `@authgear/react-native`: where the SDK reads its session. */
  tokenStorage: RefreshTokenStorage;
  /** The WebView's ref; replies go back through `webViewRef.current.postMessage`. */
  webViewRef: { current?: { postMessage(data: string): void } | null };
  /** Origins of the pages allowed to use the bridge, e.g. `["https://app.example.com"]`. */
  allowedOrigins: string[];
}

/**
 * Makes the WebView `onMessage` handler that serves the page's `reactNativeStorage()` adapter.
 * The handler answers `true` for a message of the bridge and `false` for any other, which the
 * app handles as before. Only the refresh token key (`authgear_<name>_refreshToken`) is served:
 * that is what `PersistentTokenStorage` holds, and the SDK fetches the ID token itself.
 *
 * The page may save, remove, ask whether the key is set and whether it holds exactly a value it
 * sends; it can never read the token back: no reply carries more than a boolean. Pages whose
 * origin (`event.nativeEvent.url`) is not in `allowedOrigins` are refused.
 */
export function createMigrationBridge(
  /** Checked at once: a missing or malformed one throws a `MigrateError` (`ERR_INVALID_OPTION`, `option` naming it). */
  options: MigrationBridgeOptions,
): (event: { nativeEvent: { data: string; url?: string } }) => boolean;
