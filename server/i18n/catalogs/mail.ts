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
  fr: {
    role_moderator: '{gender, select, female {Modératrice} male {Modérateur} other {Modération}}',
    role_panelist: '{gender, select, female {Intervenante} male {Intervenant} other {Intervention en panel}}',
    role_interpreter: 'Interprète',
    role_captioner: '{gender, select, female {Sous-titreuse} male {Sous-titreur} other {Sous-titrage}}',
    role_sign_interpreter: 'Interprète en langue des signes',
    roleLine: '{role}{language} : {session}',
  },
  es: {
    role_moderator: '{gender, select, female {Moderadora} male {Moderador} other {Moderación}}',
    role_panelist: 'Panelista',
    role_interpreter: 'Intérprete',
    role_captioner: '{gender, select, female {Subtituladora} male {Subtitulador} other {Subtitulación}}',
    role_sign_interpreter: 'Intérprete de lengua de señas',
    roleLine: '{role}{language}: {session}',
  },
  ru: {
    role_moderator: 'Модератор',
    role_panelist: 'Участник дискуссии',
    role_interpreter: 'Переводчик',
    role_captioner: 'Субтитровщик',
    role_sign_interpreter: 'Сурдопереводчик',
    roleLine: '{role}{language}: {session}',
  },
  ar: {
    role_moderator: '{gender, select, female {مديرة الجلسة} other {مدير الجلسة}}',
    role_panelist: '{gender, select, female {عضوة فريق النقاش} other {عضو فريق النقاش}}',
    role_interpreter: '{gender, select, female {مترجمة شفوية} other {مترجم شفوي}}',
    role_captioner: '{gender, select, female {كاتبة الترجمة النصية} other {كاتب الترجمة النصية}}',
    role_sign_interpreter: '{gender, select, female {مترجمة لغة الإشارة} other {مترجم لغة الإشارة}}',
    roleLine: '{role}{language}: {session}',
  },
});

export type MailKey = keyof (typeof mailMessages)['en'];
