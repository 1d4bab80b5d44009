import { defineCatalog } from '../catalog.ts';

/**
 * Strings composed into e-mails by mail/mailer.ts (the messages themselves
 * are the Handlebars templates in templates/email/<lang>/).
 */
export const mailMessages = defineCatalog({
  en: {
    role_moderator: 'Moderator',
    role_panelist: 'Panelist',
    role_interpreter: 'Interpreter',
    /** One line per session role in an invitation. */
    roleLine: '{role}{language}: {session}',
  },
  zh: {
    role_moderator: '主持人',
    role_panelist: '发言嘉宾',
    role_interpreter: '口译员',
    roleLine: '{role}{language}: {session}',
  },
});

export type MailKey = keyof (typeof mailMessages)['en'];
