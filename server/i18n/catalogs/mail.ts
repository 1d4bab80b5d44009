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
    role_captioner: 'Captioner',
    role_sign_interpreter: 'Sign-language interpreter',
    /** One line per session role in an invitation. */
    roleLine: '{role}{language}: {session}',
  },
  zh: {
    role_moderator: '主持人',
    role_panelist: '发言嘉宾',
    role_interpreter: '口译员',
    role_captioner: '字幕员',
    role_sign_interpreter: '手语翻译',
    roleLine: '{role}{language}: {session}',
  },
});

export type MailKey = keyof (typeof mailMessages)['en'];
