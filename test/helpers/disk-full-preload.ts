/**
 * Preloaded into the app (`node --import tsx --import test/helpers/disk-full-preload.ts ...`) by the
 * disk-full end-to-end test where no real tiny filesystem can be mounted (not root): an injected
 * ENOSPC. While the file named by DISK_FULL_FLAG exists, it holds the bytes still free; writes to
 * files under DATA_DIR take what fits (a short write, as the kernel does) and then fail with
 * ENOSPC. Deleting the file frees the disk.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const flag = process.env.DISK_FULL_FLAG;
const dataDir = process.env.DATA_DIR;
const realWriteSync = fs.writeSync;

function pathOf(fd: number): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "";
  }
}

if (flag && dataDir) {
  fs.writeSync = ((fd: number, buffer: NodeJS.ArrayBufferView | string, ...rest: unknown[]) => {
    if (typeof buffer === "string" || !fs.existsSync(flag) || !pathOf(fd).startsWith(dataDir)) {
      return (realWriteSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
    }
    const offset = (rest[0] as number | undefined) ?? 0;
    const length = (rest[1] as number | undefined) ?? buffer.byteLength - offset;
    const room = Number(fs.readFileSync(flag, "utf8")) || 0;
    if (room <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    const n = realWriteSync(fd, buffer, offset, Math.min(room, length));
    fs.writeFileSync(flag, String(room - n));
    return n;
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
}
