import { defineCatalog } from '../catalog.ts';

/**
 * Calendars: the pages' calendar links, and the text written into .ics
 * files (calendar/build-calendar.ts). The `ics_*` lines are written verbatim
 * into SUMMARY and DESCRIPTION.
 */
export const calendarMessages = defineCatalog({
  en: {
    calendar: 'Calendar',
    downloadIcs: 'Download (.ics)',
    subscribe: 'Subscribe (webcal)',
    addToGoogle: 'Add to Google Calendar',
    addToOutlook: 'Add to Outlook',
    wholeProgramme: 'The whole programme',
    ics_cancelled: 'Cancelled: {title}',
    ics_format: 'Format: {format}',
    ics_guidingQuestion: 'Guiding question: {question}',
    ics_joinSession: 'Enter the session room: {url}',
  },
  zh: {
    calendar: '日历',
    downloadIcs: '下载 (.ics)',
    subscribe: '订阅 (webcal)',
    addToGoogle: '添加到 Google 日历',
    addToOutlook: '添加到 Outlook',
    wholeProgramme: '全部议程',
    ics_cancelled: '已取消：{title}',
    ics_format: '会议形式：{format}',
    ics_guidingQuestion: '指导性问题：{question}',
    ics_joinSession: '进入会议室：{url}',
  },
  fr: {
    calendar: 'Calendrier',
    downloadIcs: 'Télécharger (.ics)',
    subscribe: 'S’abonner (webcal)',
    addToGoogle: 'Ajouter à Google Agenda',
    addToOutlook: 'Ajouter à Outlook',
    wholeProgramme: 'Tout le programme',
    ics_cancelled: 'Annulée : {title}',
    ics_format: 'Format : {format}',
    ics_guidingQuestion: 'Question directrice : {question}',
    ics_joinSession: 'Entrer dans la salle de séance : {url}',
  },
  es: {
    calendar: 'Calendario',
    downloadIcs: 'Descargar (.ics)',
    subscribe: 'Suscribirse (webcal)',
    addToGoogle: 'Añadir a Google Calendar',
    addToOutlook: 'Añadir a Outlook',
    wholeProgramme: 'Todo el programa',
    ics_cancelled: 'Cancelada: {title}',
    ics_format: 'Formato: {format}',
    ics_guidingQuestion: 'Pregunta orientativa: {question}',
    ics_joinSession: 'Entrar en la sala de la sesión: {url}',
  },
  ru: {
    calendar: 'Календарь',
    downloadIcs: 'Скачать (.ics)',
    subscribe: 'Подписаться (webcal)',
    addToGoogle: 'Добавить в Google Календарь',
    addToOutlook: 'Добавить в Outlook',
    wholeProgramme: 'Вся программа',
    ics_cancelled: 'Отменено: {title}',
    ics_format: 'Формат: {format}',
    ics_guidingQuestion: 'Направляющий вопрос: {question}',
    ics_joinSession: 'Войти в зал заседания: {url}',
  },
  ar: {
    calendar: 'التقويم',
    // The file name isolated left to right (U+2066 … U+2069): in a right-to-left line its leading full stop would move to the end.
    downloadIcs: 'تنزيل (\u2066.ics\u2069)',
    subscribe: 'الاشتراك (webcal)',
    addToGoogle: 'الإضافة إلى تقويم Google',
    addToOutlook: 'الإضافة إلى Outlook',
    wholeProgramme: 'البرنامج كاملًا',
    ics_cancelled: 'أُلغيت: {title}',
    ics_format: 'الشكل: {format}',
    ics_guidingQuestion: 'سؤال توجيهي: {question}',
    ics_joinSession: 'دخول قاعة الجلسة: {url}',
  },
});

export type CalendarKey = keyof (typeof calendarMessages)['en'];
