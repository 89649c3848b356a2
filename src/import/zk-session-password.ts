/**
 * ZooKeeper does not store session passwords: it derives each from the session id
 * (ZooKeeperServer.generatePasswd: java.util.Random seeded with id ^ 0xB3415C00, 16 bytes).
 * Deriving the same bytes lets a client that held a session on ZooKeeper resume it on Warren.
 */
const multiplier = 0x5deece66dn;
const mask48 = (1n << 48n) - 1n;
const superSecret = 0xb3415c00n;

/** java.util.Random's nextBytes(16) for seed `id ^ superSecret`. */
export function zooKeeperSessionPassword(sessionId: bigint): Buffer {
  let seed = (BigInt.asUintN(64, sessionId ^ superSecret) ^ multiplier) & mask48;
  const nextInt = (): number => {
    seed = (seed * multiplier + 0xbn) & mask48;
    return Number(BigInt.asIntN(32, seed >> 16n));
  };
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; ) {
    let word = nextInt();
    for (let n = Math.min(16 - i, 4); n > 0; n--) {
      out[i++] = word & 0xff;
      word >>= 8;
    }
  }
  return out;
}
