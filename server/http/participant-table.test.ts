import { describe, expect, it } from 'vitest';
import type { Participant } from '../domain/participants.ts';
import { tableHref, tableQuery, tableRows } from './participant-table.ts';

function person(id: string, fields: Partial<Participant>): Participant {
  return {
    id, eventId: 'e', name: id, email: `${id}@example.org`, organization: 'Org', country: 'CH', group: 'government', gender: null, language: 'en',
    timeZone: null, status: 'approved', statusReason: null, organizer: false, headOfState: false, roles: [], bookmarks: [], createdAt: '', updatedAt: '',
    ...fields,
  };
}

const people = [
  person('a', { name: 'Jean-Pierre Müller', country: 'FR', group: 'employers', organization: 'MEDEF', signedInAt: '2022-02-22T12:00:00Z' }),
  person('b', { name: 'Li Wei', country: 'CN', group: 'workers', email: 'li.wei@acftu.example', roles: [{ sessionId: 's1', role: 'interpreter', language: 'zh' }] }),
  person('c', { name: 'Ana Pérez', country: 'ES', group: 'other', status: 'pending', organization: 'Universidad' }),
  person('d', { name: 'Zoë Organiser', organizer: true, signedInAt: '2022-02-21T08:00:00Z' }),
];
const names = (rows: Participant[]) => rows.map((p) => p.name);

describe('participants table (search, filters, sorting)', () => {
  it('searches names, e-mails, organisations and countries, ignoring case and accents', () => {
    expect(names(tableRows(people, { q: 'muller' }, 'en'))).toEqual(['Jean-Pierre Müller']);
    expect(names(tableRows(people, { q: 'ACFTU' }, 'en'))).toEqual(['Li Wei']);
    expect(names(tableRows(people, { q: 'universidad' }, 'en'))).toEqual(['Ana Pérez']);
    // A country by its name in the UI language, in English, or by its code.
    expect(names(tableRows(people, { q: 'france' }, 'en'))).toEqual(['Jean-Pierre Müller']);
    expect(names(tableRows(people, { q: '中国' }, 'zh'))).toEqual(['Li Wei']);
    expect(names(tableRows(people, { q: 'china' }, 'zh'))).toEqual(['Li Wei']);
    // Every word must match.
    expect(names(tableRows(people, { q: 'ana spain' }, 'en'))).toEqual(['Ana Pérez']);
    expect(tableRows(people, { q: 'ana china' }, 'en')).toEqual([]);
  });

  it('filters by group, role (including organiser and none) and status', () => {
    expect(names(tableRows(people, { group: 'workers' }, 'en'))).toEqual(['Li Wei']);
    expect(names(tableRows(people, { role: 'interpreter' }, 'en'))).toEqual(['Li Wei']);
    expect(names(tableRows(people, { role: 'organizer' }, 'en'))).toEqual(['Zoë Organiser']);
    expect(names(tableRows(people, { role: 'none' }, 'en'))).toEqual(['Ana Pérez', 'Jean-Pierre Müller']);
    expect(names(tableRows(people, { status: 'pending' }, 'en'))).toEqual(['Ana Pérez']);
  });

  it('sorts by a column either way, by name by default; never signed in comes first', () => {
    expect(names(tableRows(people, {}, 'en'))).toEqual(['Ana Pérez', 'Jean-Pierre Müller', 'Li Wei', 'Zoë Organiser']);
    expect(names(tableRows(people, { sort: 'name', dir: 'desc' }, 'en'))).toEqual(['Zoë Organiser', 'Li Wei', 'Jean-Pierre Müller', 'Ana Pérez']);
    expect(names(tableRows(people, { sort: 'country' }, 'en'))).toEqual(['Li Wei', 'Jean-Pierre Müller', 'Ana Pérez', 'Zoë Organiser']);
    expect(names(tableRows(people, { sort: 'status' }, 'en'))[0]).toBe('Ana Pérez');
    expect(names(tableRows(people, { sort: 'signedIn', dir: 'desc' }, 'en'))).toEqual(['Jean-Pierre Müller', 'Zoë Organiser', 'Ana Pérez', 'Li Wei']);
  });

  it('reads the query string, treating empty choices as none and refusing unknown ones', () => {
    expect(tableQuery.parse({ q: '', group: '', role: '', status: '', sort: '', dir: '' })).toEqual({ q: '' });
    expect(tableQuery.safeParse({ sort: 'password' }).success).toBe(false);
    expect(tableQuery.safeParse({ role: 'admin' }).success).toBe(false);
  });

  it('makes links that keep the other choices', () => {
    expect(tableHref('/p', { q: 'li wei', group: 'workers' }, { sort: 'country', dir: 'desc' })).toBe('/p?q=li+wei&group=workers&sort=country&dir=desc');
    expect(tableHref('/p', {})).toBe('/p');
  });
});
