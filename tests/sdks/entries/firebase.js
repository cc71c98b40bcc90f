// The modular Firebase Auth API an app imports.
import { initializeApp, deleteApp } from "firebase/app";
import {
  browserLocalPersistence,
  connectAuthEmulator,
  getAuth,
  indexedDBLocalPersistence,
  initializeAuth,
  signInWithCustomToken,
} from "firebase/auth";

globalThis.sdk = {
  initializeApp,
  deleteApp,
  getAuth,
  initializeAuth,
  connectAuthEmulator,
  signInWithCustomToken,
  indexedDBLocalPersistence,
  browserLocalPersistence,
};
