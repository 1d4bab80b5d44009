import fs from 'node:fs';

const setpriv = '/usr/bin/setpriv';
const hasSetpriv = process.platform === 'linux' && fs.existsSync(setpriv);

/**
 * The command and arguments that run `command` so that it is killed when
 * this server process dies, even by SIGKILL (Linux's parent-death signal,
 * set by util-linux's setpriv, which then becomes the command itself: the
 * same pid, so stopping it is unchanged). Without it, a statement's ffmpeg
 * outlived a killed server and kept sending RTP for the rest of the video,
 * and a transcode kept writing a file nobody would use, while a surviving
 * process took the work over. Where setpriv is missing, the command runs as
 * it is.
 */
export function dyingWithServer(command: string, args: readonly string[]): { command: string; args: string[] } {
  return hasSetpriv ? { command: setpriv, args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args: [...args] };
}
