import { defineCatalog } from '../catalog.ts';

/** Interpretation and access services in the organisers' consoles (issue 13): the caption transcript per session. */
export const accessMessages = defineCatalog({
  en: {
    ac_captions: 'Captions',
    ac_captionsLabel: 'Captions: transcript of {title} (text)',
  },
  zh: {
    ac_captions: '字幕',
    ac_captionsLabel: '{title}的字幕记录（文本）',
  },
  fr: {
    ac_captions: 'Sous-titres',
    ac_captionsLabel: 'Transcription des sous-titres de {title} (texte)',
  },
  es: {
    ac_captions: 'Subtítulos',
    ac_captionsLabel: 'Transcripción de los subtítulos de {title} (texto)',
  },
  ru: {
    ac_captions: 'Субтитры',
    ac_captionsLabel: 'Субтитры: расшифровка, {title} (текст)',
  },
  ar: {
    ac_captions: 'الترجمة النصية',
    ac_captionsLabel: 'نص الترجمة النصية لـ {title} (نص)',
  },
});
