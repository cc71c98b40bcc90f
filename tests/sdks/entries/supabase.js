// supabase-js, @supabase/ssr and @supabase/auth-helpers-nextjs, as an app imports them.
import { createClient } from "@supabase/supabase-js";
import { createBrowserClient } from "@supabase/ssr";
import { createPagesBrowserClient } from "@supabase/auth-helpers-nextjs";

globalThis.sdk = { createClient, createBrowserClient, createPagesBrowserClient };
