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
});

export type CalendarKey = keyof (typeof calendarMessages)['en'];
