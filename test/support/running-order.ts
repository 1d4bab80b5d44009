import { getJson, organizerToken, waitFor } from './server.ts';

/** Waits until an uploaded statement video's stage copy is made (issue 18: transcoded in the background); fails if it failed. */
export async function stageReady(serverUrl: string, runningOrderUrl: string, itemId: string, timeout = 150_000): Promise<void> {
  await waitFor(async () => {
    const read = await getJson<{ items: { id: string; recording?: { stage?: { status: string; error?: string } } }[] }>(`${serverUrl}${runningOrderUrl}`, { headers: { authorization: `Bearer ${organizerToken}` } });
    const stage = read.body.items.find((i) => i.id === itemId)?.recording?.stage;
    if (stage?.status === 'failed') throw new Error(`the stage copy of ${itemId} failed: ${stage.error}`);
    return stage?.status === 'ready' ? true : null;
  }, { timeout, interval: 250 });
}
