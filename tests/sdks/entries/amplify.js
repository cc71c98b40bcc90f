// aws-amplify 6, as an app imports it.
import { Amplify } from "aws-amplify";
import { fetchAuthSession, getCurrentUser, signIn } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";
import { sessionStorage as amplifySessionStorage } from "aws-amplify/utils";

globalThis.sdk = { Amplify, signIn, getCurrentUser, fetchAuthSession, cognitoUserPoolsTokenProvider, amplifySessionStorage };
