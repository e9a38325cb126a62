// Preloaded (`node --require`) into the Hardhat node child process started by hardhat-node.ts.
// The parent holds the write end of this process's stdin; when the parent exits for any reason,
// including SIGKILL or a crash, the pipe closes and this process exits, so no node is orphaned.
'use strict';
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
