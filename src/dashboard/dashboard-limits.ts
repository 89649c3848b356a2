/** The dashboard's caps, with their reasons (util/limits.ts holds the server-wide ones). */

/** A request body: a znode's data (1 MiB, jute.maxbuffer) as base64, plus the fields. */
export const dashboardBodyBytesMax = 1_500_000;
/** Children listed in one page; the browser pages through more. */
export const dashboardPageMax = 500;
/** A logged-in browser idle this long is logged out and its session closed. */
export const dashboardIdleMs = 10 * 60_000;
/** Failed logins per address per minute (SASL checks a password; digest cannot fail). */
export const dashboardLoginsPerMinute = 20;
/** Each member's probe (srvr on its client port) in the cluster view. */
export const dashboardProbeTimeoutMs = 1_000;
/** Bytes of a probe's answer read; srvr's is a few hundred. */
export const dashboardProbeBytesMax = 8_192;
