// amazon-cognito-identity-js, as an app imports it.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

globalThis.sdk = { AuthenticationDetails, CognitoUser, CognitoUserPool };
