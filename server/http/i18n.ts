import type { Language } from '../domain/programme.ts';
import { identityMessages } from './identity-messages.ts';
import { roomMessages } from './room-messages.ts';

/** UI strings. Keys are shared by pages, e-mails and the client script. */
export const messages = {
  en: {
    appName: 'Plenary',
    skipToContent: 'Skip to content',
    language: 'Language',
    events: 'Events',
    programme: 'Programme',
    noEvents: 'No events yet.',
    eventTime: 'Event time',
    yourTime: 'Your time',
    yourZone: 'Your time zone',
    changeZone: 'Show times in',
    apply: 'Apply',
    zoneHint: 'Type to search, e.g. Asia/Tokyo',
    detectedZone: 'Times are shown for {zone}.',
    otherDay: 'On {date} in your time zone',
    previousDayNote: 'the day before in your time zone',
    nextDayNote: 'the next day in your time zone',
    guidingQuestion: 'Guiding question',
    format: 'Format',
    timing_now: 'Now',
    timing_next: 'Next',
    timing_ended: 'Ended',
    timing_upcoming: 'Upcoming',
    timing_cancelled: 'Cancelled',
    joinSession: 'Enter the session room',
    backToProgramme: 'Back to the programme',
    notFound: 'Not found',
    minutes: '{n} min',
    calendar: 'Calendar',
    downloadIcs: 'Download (.ics)',
    subscribe: 'Subscribe (webcal)',
    addToGoogle: 'Add to Google Calendar',
    addToOutlook: 'Add to Outlook',
    wholeProgramme: 'The whole programme',
    organiserConsole: 'Organiser console',
    signIn: 'Sign in',
    signOut: 'Sign out',
    signedInAs: 'Signed in as {name}',
    register: 'Register',
    unknownZone: '"{zone}" is not a time zone; showing event time instead. Pick one from the list.',
  },
  zh: {
    appName: 'Plenary',
    skipToContent: '跳到正文',
    language: '语言',
    events: '活动',
    programme: '议程',
    noEvents: '暂无活动。',
    eventTime: '会议时间',
    yourTime: '您的时间',
    yourZone: '您的时区',
    changeZone: '显示时区',
    apply: '应用',
    zoneHint: '输入以搜索，例如 Asia/Shanghai',
    detectedZone: '时间按 {zone} 显示。',
    otherDay: '在您的时区为 {date}',
    previousDayNote: '在您的时区为前一天',
    nextDayNote: '在您的时区为次日',
    guidingQuestion: '指导性问题',
    format: '会议形式',
    timing_now: '进行中',
    timing_next: '下一场',
    timing_ended: '已结束',
    timing_upcoming: '即将举行',
    timing_cancelled: '已取消',
    joinSession: '进入会议室',
    backToProgramme: '返回议程',
    notFound: '未找到',
    minutes: '{n} 分钟',
    calendar: '日历',
    downloadIcs: '下载 (.ics)',
    subscribe: '订阅 (webcal)',
    addToGoogle: '添加到 Google 日历',
    addToOutlook: '添加到 Outlook',
    wholeProgramme: '全部议程',
    organiserConsole: '组织者控制台',
    signIn: '登录',
    signOut: '退出',
    signedInAs: '已登录：{name}',
    register: '注册',
    unknownZone: '“{zone}”不是有效的时区，现按会议时间显示。请从列表中选择。',
  },
} as const satisfies Record<Language, Record<string, string>>;

export type MessageKey = keyof (typeof messages)['en'];

const tables: Record<Language, Record<string, string>> = {
  en: { ...messages.en, ...roomMessages.en, ...identityMessages.en },
  zh: { ...messages.zh, ...roomMessages.zh, ...identityMessages.zh },
};

export function translate(lang: Language, key: string, vars: Record<string, string | number> = {}): string {
  const template = tables[lang][key] ?? tables.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Picks zh or en from an explicit choice, else the Accept-Language header, else English. */
export function negotiateLanguage(explicit: string | undefined, acceptLanguage: string | undefined): Language {
  if (explicit === 'zh' || explicit === 'en') return explicit;
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
