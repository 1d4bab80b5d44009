import { defineCatalog } from '../catalog.ts';
import type { Lang } from '../languages.ts';

/**
 * Strings of the organiser's session console (handed to its template as
 * `text`, not through the shared `t` table). `error_*` keys are the console's
 * own wording of a refusal; other codes are told with errors.ts.
 */
const text = defineCatalog({
  en: {
    heading: 'Sessions',
    intro: 'Times are wall-clock times in the event zone, {zone} (daylight saving time is applied for you); what you type is what delegates in {zone} see. Every change updates subscribed calendars.',
    titleZh: 'Title (Chinese)',
    titleEn: 'Title (English)',
    descriptionZh: 'Description (Chinese)',
    descriptionEn: 'Description (English)',
    formatZh: 'Format (Chinese)',
    formatEn: 'Format (English)',
    questionsZh: 'Guiding questions (Chinese)',
    questionsEn: 'Guiding questions (English)',
    questionsHint: 'One question per paragraph (leave a blank line between questions); the Chinese and English paragraphs are paired in order.',
    start: 'Starts',
    end: 'Ends',
    status: 'Status',
    idLabel: 'Short id for links (optional)',
    idHint: 'Lowercase letters, digits and dashes; made from the English title if left empty.',
    titleHint: 'At least one of the two titles; the other language falls back to it.',
    save: 'Save changes',
    create: 'Add the session',
    newSession: 'New session',
    cancel: 'Cancel this session',
    cancelHint: 'A cancelled session stays in the programme and calendars, marked as cancelled. Set its status back to reinstate it.',
    cancelledBadge: 'Cancelled',
    sequence: 'Calendar revision {n}',
    edit: 'Edit',
    status_scheduled: 'Scheduled',
    status_live: 'Live',
    status_ended: 'Ended',
    status_cancelled: 'Cancelled',
    notice_created: 'Added “{title}”.',
    notice_updated: 'Saved “{title}”. Calendars will show the change (revision {n}).',
    notice_unchanged: 'Nothing changed in “{title}”.',
    notice_cancelled: '“{title}” is cancelled; calendars show it as cancelled.',
    error_heading: 'Not saved',
    error_invalid_body: 'Some fields are not valid; see below.',
    error_conflict: 'Someone else changed this session at the same moment, or the id is taken. Reload and try again.',
  },
  zh: {
    heading: '会议',
    intro: '时间为会议时区 {zone} 的当地时间（夏令时自动换算）；您输入的时间即 {zone} 的与会者看到的时间。每次修改都会更新已订阅的日历。',
    titleZh: '标题（中文）',
    titleEn: '标题（英文）',
    descriptionZh: '说明（中文）',
    descriptionEn: '说明（英文）',
    formatZh: '会议形式（中文）',
    formatEn: '会议形式（英文）',
    questionsZh: '指导性问题（中文）',
    questionsEn: '指导性问题（英文）',
    questionsHint: '每段一个问题（问题之间空一行）；中英文段落按顺序一一对应。',
    start: '开始',
    end: '结束',
    status: '状态',
    idLabel: '链接用简短标识（可选）',
    idHint: '小写字母、数字和连字符；留空则根据英文标题生成。',
    titleHint: '至少填写一种语言的标题；另一种语言将显示此标题。',
    save: '保存修改',
    create: '添加会议',
    newSession: '新会议',
    cancel: '取消此会议',
    cancelHint: '已取消的会议仍保留在议程和日历中，并标明已取消。将状态改回即可恢复。',
    cancelledBadge: '已取消',
    sequence: '日历修订号 {n}',
    edit: '编辑',
    status_scheduled: '已排定',
    status_live: '进行中',
    status_ended: '已结束',
    status_cancelled: '已取消',
    notice_created: '已添加“{title}”。',
    notice_updated: '已保存“{title}”。日历将显示此修改（修订号 {n}）。',
    notice_unchanged: '“{title}”没有变化。',
    notice_cancelled: '“{title}”已取消；日历中将显示为已取消。',
    error_heading: '未保存',
    error_invalid_body: '部分字段无效，请查看下方说明。',
    error_conflict: '其他人同时修改了此会议，或该标识已被使用。请刷新后重试。',
  },
});

export type ConsoleKey = keyof (typeof text)['en'];
export type ConsoleText = Record<ConsoleKey, string>;

export function consoleText(lang: Lang): ConsoleText {
  return text[lang];
}
