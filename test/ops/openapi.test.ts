import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, openApiPath, operations } from '../../server/http/openapi.ts';
import type { Plenary } from '../../server/plenary.ts';
import { createParticipant, eventId } from '../support/realtime.ts';
import { organizerToken, startTestServer } from '../support/server.ts';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }>; requestBody?: { content: Record<string, { schema: unknown }> }; 'x-plenary-undocumented'?: boolean }>>;
  components: { schemas: Record<string, unknown> };
};

const docId = 'https://plenary.invalid/openapi.json';
const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

describe('GET /api/openapi.json', () => {
  let server: Plenary;
  let doc: Doc;
  let ajv: Ajv2020;

  beforeAll(async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc as object, docId);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Checks a real response against the document's schema for that operation and status. */
  async function conforms(method: string, expressPath: string, res: Response): Promise<unknown> {
    const path = openApiPath(expressPath);
    const operation = doc.paths[path]?.[method];
    expect(operation, `${method} ${path} in the document`).toBeDefined();
    const status = String(res.status);
    const response = operation!.responses[status];
    expect(response, `${method} ${path} documents status ${status}`).toBeDefined();
    const body: unknown = await res.json();
    expect(response!.content?.['application/json'], `${method} ${path} ${status} has a JSON schema`).toBeDefined();
    const validate = ajv.getSchema(`${docId}#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}`);
    expect(validate).toBeDefined();
    const valid = validate!(body);
    expect(valid, `${method} ${path} ${status}: ${ajv.errorsText(validate!.errors)}`).toBe(true);
    return body;
  }

  it('is OpenAPI 3.1 whose schemas all compile (JSON Schema 2020-12) and whose references resolve', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\/api\//);
      for (const [method, op] of Object.entries(methods)) {
        expect(ids.has(op.operationId), `operationId ${op.operationId} unique`).toBe(false);
        ids.add(op.operationId);
        for (const [status, response] of Object.entries(op.responses)) {
          for (const type of Object.keys(response.content ?? {})) {
            expect(ajv.getSchema(`${docId}#/${pointer('paths', path, method, 'responses', status, 'content', type, 'schema')}`), `${method} ${path} ${status}`).toBeDefined();
          }
        }
        // JSON bodies, or raw uploads (a statement as application/pdf or text/plain).
        for (const type of Object.keys(op.requestBody?.content ?? {})) {
          expect(ajv.getSchema(`${docId}#/${pointer('paths', path, method, 'requestBody', 'content', type, 'schema')}`), `${method} ${path} body ${type}`).toBeDefined();
        }
      }
    }
  });

  it('has every /api route the server registers, and describes none that it does not', () => {
    const routes = apiRoutes(server.app);
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      expect(doc.paths[openApiPath(route.path)]?.[route.method], `${route.method.toUpperCase()} ${route.path}`).toBeDefined();
    }
    const registered = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const key of Object.keys(operations)) expect(registered.has(key), `${key} is described but not registered`).toBe(true);
    const undescribed = routes.filter((r) => !operations[`${r.method} ${r.path}`]).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    if (undescribed.length > 0) console.warn(`OpenAPI: routes listed without schemas yet (x-plenary-undocumented), describe them in server/http/openapi.ts:\n  ${undescribed.join('\n  ')}`);
  });

  it('describes real responses: the programme, refusals, participants, session edits, the caller', async () => {
    await conforms('get', '/api/events', await fetch(`${server.url}/api/events`));
    await conforms('get', '/api/events/:eventId', await fetch(`${server.url}/api/events/${eventId}`));
    const programme = (await conforms('get', '/api/events/:eventId/programme', await fetch(`${server.url}/api/events/${eventId}/programme?tz=Asia/Tokyo`))) as {
      sessions: { id: string }[];
    };
    expect(programme.sessions.length).toBeGreaterThan(0);
    const badZone = await fetch(`${server.url}/api/events/${eventId}/programme?tz=Mars/Olympus`);
    expect(badZone.status).toBe(400);
    expect(await conforms('get', '/api/events/:eventId/programme', badZone)).toMatchObject({ error: { code: 'invalid_time_zone' } });
    await conforms('get', '/api/events/:eventId/sessions/:sessionId', await fetch(`${server.url}/api/events/${eventId}/sessions/${programme.sessions[0]!.id}`));

    const organiser = { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' };
    const invited = await fetch(`${server.url}/api/events/${eventId}/participants`, {
      method: 'POST',
      headers: organiser,
      body: JSON.stringify({ name: 'Ana Souza', email: `ana.${Date.now()}@example.org`, organization: 'CUT', country: 'br', group: 'workers', roles: [{ sessionId: programme.sessions[0]!.id, role: 'panelist' }] }),
    });
    expect(invited.status).toBe(201);
    const { participant } = (await conforms('post', '/api/events/:eventId/participants', invited)) as { participant: { id: string } };
    await conforms('get', '/api/events/:eventId/participants', await fetch(`${server.url}/api/events/${eventId}/participants`, { headers: organiser }));
    await conforms('get', '/api/events/:eventId/participants/:participantId', await fetch(`${server.url}/api/events/${eventId}/participants/${participant.id}`, { headers: organiser }));

    const created = await fetch(`${server.url}/api/events/${eventId}/sessions`, {
      method: 'POST',
      headers: organiser,
      body: JSON.stringify({ id: 'openapi-check', start: '2022-02-22T16:00', end: '2022-02-22T17:00', title: { en: 'Side event', zh: '边会' } }),
    });
    expect(created.status).toBe(201);
    await conforms('post', '/api/events/:eventId/sessions', created);
    const changed = await fetch(`${server.url}/api/events/${eventId}/sessions/openapi-check`, { method: 'PATCH', headers: organiser, body: JSON.stringify({ end: '2022-02-22T17:30' }) });
    await conforms('patch', '/api/events/:eventId/sessions/:sessionId', changed);
    const refused = await fetch(`${server.url}/api/events/${eventId}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    await conforms('post', '/api/events/:eventId/sessions', refused);

    const delegate = await createParticipant(server);
    await conforms('get', '/api/me', await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${delegate.token}` } }));
    await conforms('put', '/api/events/:eventId/bookmarks/:sessionId', await fetch(`${server.url}/api/events/${eventId}/bookmarks/${programme.sessions[0]!.id}`, { method: 'PUT', headers: { authorization: `Bearer ${delegate.token}` } }));
  });

  it('has request bodies from the zod schemas the routes validate with', () => {
    const body = doc.paths['/api/events/{eventId}/participants']!.post!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['name', 'email', 'organization', 'country', 'group', 'roles']));
    expect(body.required).toEqual(expect.arrayContaining(['name', 'email', 'organization', 'country', 'group']));
    const validate = ajv.getSchema(`${docId}#/${pointer('paths', '/api/events/{eventId}/sessions', 'post', 'requestBody', 'content', 'application/json', 'schema')}`)!;
    expect(validate({ id: 'x-1', start: '2022-02-22T16:00', end: '2022-02-22T17:00', title: { en: 'A' } })).toBe(true);
    expect(validate({ start: 13 })).toBe(false);
  });
});
