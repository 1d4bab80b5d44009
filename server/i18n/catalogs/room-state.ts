import { defineCatalog } from '../catalog.ts';

/**
 * The room as a session's state changes it (client/room.entry.ts and the
 * consoles inside it): why the floor and the questions are closed once a
 * session is over, an item's overrun in the running order, and who holds
 * a booth an interpreter shares with a partner.
 */
export const roomStateMessages = defineCatalog({
  en: {
    rs_ended: 'This session has ended.',
    rs_cancelled: 'This session was cancelled.',
    rs_floorClosed: 'Requests for the floor are closed.',
    rs_questionsClosed: 'Questions and votes are closed.',
    rs_notCalled: 'Not called before the session closed',
    rs_qnaNoneOver: 'No questions were asked.',
    rs_pollsNoneOver: 'No votes were held.',
    rs_overrun: 'over by {time}',
    rs_boothPartnerLive: '{language}: {name} is on air',
  },
  zh: {
    rs_ended: '本场会议已结束。',
    rs_cancelled: '本场会议已取消。',
    rs_floorClosed: '发言申请已关闭。',
    rs_questionsClosed: '提问和投票已关闭。',
    rs_notCalled: '会议结束前未获发言',
    rs_qnaNoneOver: '本场会议没有提问。',
    rs_pollsNoneOver: '本场会议没有进行表决。',
    rs_overrun: '超时 {time}',
    rs_boothPartnerLive: '{language}：{name}正在同传',
  },
  fr: {
    rs_ended: 'Cette séance est terminée.',
    rs_cancelled: 'Cette séance a été annulée.',
    rs_floorClosed: 'Les demandes de parole sont closes.',
    rs_questionsClosed: 'Les questions et les votes sont clos.',
    rs_notCalled: 'Non appelés avant la clôture de la séance',
    rs_qnaNoneOver: 'Aucune question n’a été posée.',
    rs_pollsNoneOver: 'Aucun vote n’a eu lieu.',
    rs_overrun: 'dépassement de {time}',
    rs_boothPartnerLive: '{language} : {name} est à l’antenne',
  },
  es: {
    rs_ended: 'Esta sesión ha terminado.',
    rs_cancelled: 'Esta sesión fue cancelada.',
    rs_floorClosed: 'Las solicitudes de palabra están cerradas.',
    rs_questionsClosed: 'Las preguntas y los votos están cerrados.',
    rs_notCalled: 'No llamados antes del cierre de la sesión',
    rs_qnaNoneOver: 'No se formularon preguntas.',
    rs_pollsNoneOver: 'No se celebraron votaciones.',
    rs_overrun: 'excedido en {time}',
    rs_boothPartnerLive: '{language}: {name} está al aire',
  },
  ru: {
    rs_ended: 'Это заседание завершено.',
    rs_cancelled: 'Это заседание отменено.',
    rs_floorClosed: 'Запись на выступление закрыта.',
    rs_questionsClosed: 'Вопросы и голосование закрыты.',
    rs_notCalled: 'Не получили слово до закрытия заседания',
    rs_qnaNoneOver: 'Вопросов не было.',
    rs_pollsNoneOver: 'Голосований не проводилось.',
    rs_overrun: 'превышение {time}',
    rs_boothPartnerLive: '{language}: в эфире {name}',
  },
  ar: {
    rs_ended: 'انتهت هذه الجلسة.',
    rs_cancelled: 'أُلغيت هذه الجلسة.',
    rs_floorClosed: 'باب طلب الكلمة مغلق.',
    rs_questionsClosed: 'باب الأسئلة والتصويت مغلق.',
    rs_notCalled: 'لم يُعطَوا الكلمة قبل اختتام الجلسة',
    rs_qnaNoneOver: 'لم تُطرح أي أسئلة.',
    rs_pollsNoneOver: 'لم يُجرَ أي تصويت.',
    rs_overrun: 'تجاوز بمقدار {time}',
    rs_boothPartnerLive: '{language}: {name} على الهواء',
  },
});

export type RoomStateStrings = Record<keyof (typeof roomStateMessages)['en'], string>;
