/**
 * Preloaded into the app and the CLI (`node --import <this file> ...`, also through NODE_OPTIONS) by
 * the disk-full end-to-end test where no real tiny filesystem can be mounted (not root): an
 * injected ENOSPC. While the file named by DISK_FULL_FLAG exists, it holds the bytes still free;
 * writes to files under DATA_DIR take what fits (a short write, as the kernel does) and then fail
 * with ENOSPC. Deleting the file frees the disk. Plain JavaScript so that it loads before tsx
 * does (NODE_OPTIONS imports come first).
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const flag = process.env.DISK_FULL_FLAG;
const dataDir = process.env.DATA_DIR;
const realWriteSync = fs.writeSync;

/** The path of an open file descriptor. */
function pathOf(fd) {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "";
  }
}

if (flag && dataDir) {
  fs.writeSync = (fd, buffer, ...rest) => {
    if (typeof buffer === "string" || !fs.existsSync(flag) || !pathOf(fd).startsWith(dataDir)) return realWriteSync(fd, buffer, ...rest);
    const offset = rest[0] ?? 0;
    const length = rest[1] ?? buffer.byteLength - offset;
    const room = Number(fs.readFileSync(flag, "utf8")) || 0;
    if (room <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    const n = realWriteSync(fd, buffer, offset, Math.min(room, length));
    fs.writeFileSync(flag, String(room - n));
    return n;
  };
  // Named imports of node:fs (`import { writeSync } from "node:fs"`) see the replacement.
  syncBuiltinESMExports();
}
