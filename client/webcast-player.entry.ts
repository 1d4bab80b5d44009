import Hls from 'hls.js';

// hls.js (issue 12), bundled apart from room.js: the room's webcast view
// (client/webcast-view.ts) imports this file only when a delegate opens it,
// so the other visitors of the room do not download the player.

export { Hls };
