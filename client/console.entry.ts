// The organiser consoles: what every page does (zone, bookmarks), plus the
// consoles' own enhancements. Each works on the server-rendered forms and
// does nothing where its markup is absent.
import './app.entry.ts';
import { enhanceParticipantTable } from './console-table.ts';
import { enhanceLanguageTabs } from './language-tabs.ts';
import { enhanceParticipantDialogs } from './participant-dialog.ts';

enhanceParticipantTable();
enhanceLanguageTabs();
enhanceParticipantDialogs();
