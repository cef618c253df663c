import { randomUUID } from 'node:crypto';
import {
  ActionStream,
  Capability,
  checkInitiativeSnapshot,
  CloudEvent,
  HUB_REGIONS,
  HubRegion,
  InitiativeEventType,
  InitiativeKind,
  InitiativeScope,
  InitiativeSnapshot,
  InitiativeStatus,
  judgeInitiativeEvent,
  Language,
  RegistryState,
  Subjects,
} from '@ctp/contracts';
import { prng } from './payloads';

/*
 * The platform part's workload: a registry of initiatives as the four hubs and four partners would report them, and
 * the changes that follow. Realistic enough for duplicate detection to have work to do: recipient countries drawn with
 * a strong skew (a few countries get most of the activity), dates over three years (2025–2027), titles from a few
 * dozen activity templates written in each of INTERPOL's four working languages (so records of the same kind of
 * activity in the same country and month block together and get scored), and about 5% genuine duplicates: a partner
 * re-reporting a hub's activity, usually in another language, sometimes naming the hub's record.
 */

type Reporter = { ref: string; type: 'HUB' | 'PARTNER'; source: string; code: string };

interface Template {
  kind: InitiativeKind;
  streams: [ActionStream, ...ActionStream[]];
  capabilities: Capability[];
  title: Record<Language, string>;
}

/** Activity templates, each in en/fr/es/ar (the same activity, translated: cross-language duplicates share concepts). */
const TEMPLATES: Template[] = [
  // Trainings and courses.
  {
    kind: 'TRN',
    streams: ['TRAVEL_MOBILITY', 'IDENTIFICATION'],
    capabilities: ['CAPACITY_BUILDING', 'BORDER_MANAGEMENT'],
    title: {
      en: 'Regional training on foreign terrorist fighters',
      fr: 'Formation régionale sur les combattants terroristes étrangers',
      es: 'Formación regional sobre combatientes terroristas extranjeros',
      ar: 'دورة تدريبية إقليمية حول المقاتلين الإرهابيين الأجانب',
    },
  },
  {
    kind: 'TRN',
    streams: ['IDENTIFICATION', 'TRAVEL_MOBILITY'],
    capabilities: ['FORENSICS', 'BORDER_MANAGEMENT'],
    title: {
      en: 'Training on biometrics and facial recognition for border control',
      fr: 'Formation sur la biométrie et la reconnaissance faciale pour le contrôle aux frontières',
      es: 'Formación sobre biometría y reconocimiento facial para el control fronterizo',
      ar: 'التدريب على القياسات الحيوية والتعرف على الوجه لمراقبة الحدود',
    },
  },
  {
    kind: 'TRN',
    streams: ['TRAVEL_MOBILITY'],
    capabilities: ['DATA_MANAGEMENT', 'BORDER_MANAGEMENT'],
    title: {
      en: 'Course on stolen and lost travel documents',
      fr: 'Cours sur les documents de voyage volés et perdus',
      es: 'Curso sobre documentos de viaje robados y perdidos',
      ar: 'دورة حول وثائق السفر المسروقة والمفقودة',
    },
  },
  {
    kind: 'TRN',
    streams: ['ONLINE_PRESENCE', 'IDENTIFICATION'],
    capabilities: ['FORENSICS', 'CAPACITY_BUILDING'],
    title: {
      en: 'Train the trainers on digital evidence',
      fr: 'Formation de formateurs sur les preuves numériques',
      es: 'Formación de formadores sobre pruebas digitales',
      ar: 'تدريب المدربين على الأدلة الرقمية',
    },
  },
  {
    kind: 'TRN',
    streams: ['FINANCING'],
    capabilities: ['CRIMINAL_ANALYSIS', 'CAPACITY_BUILDING'],
    title: {
      en: 'Training on financial investigations into terrorist financing',
      fr: 'Formation aux enquêtes financières sur le financement du terrorisme',
      es: 'Formación en investigaciones financieras sobre la financiación del terrorismo',
      ar: 'التدريب على التحقيقات المالية في تمويل الإرهاب',
    },
  },
  {
    kind: 'TRN',
    streams: ['WEAPONS_MATERIALS'],
    capabilities: ['FORENSICS'],
    title: {
      en: 'Course on explosives and IED investigations',
      fr: 'Cours sur les explosifs et les enquêtes sur les EEI',
      es: 'Curso sobre explosivos e investigaciones de AEI',
      ar: 'دورة حول المتفجرات والعبوات الناسفة',
    },
  },
  {
    kind: 'TRN',
    streams: ['IDENTIFICATION'],
    capabilities: ['CRIMINAL_ANALYSIS'],
    title: {
      en: 'Training for prosecutors on battlefield information',
      fr: 'Formation des procureurs sur les informations du champ de bataille',
      es: 'Formación de fiscales sobre información del campo de batalla',
      ar: 'تدريب المدعين العامين على معلومات ساحة المعركة',
    },
  },
  {
    kind: 'TRN',
    streams: ['WEAPONS_MATERIALS', 'IDENTIFICATION'],
    capabilities: ['FORENSICS', 'DATA_MANAGEMENT'],
    title: {
      en: 'Course on firearms tracing and ballistics',
      fr: 'Cours sur le traçage des armes à feu et la balistique',
      es: 'Curso sobre rastreo de armas de fuego y balística',
      ar: 'دورة حول تعقب الأسلحة النارية والباليستية',
    },
  },
  {
    kind: 'TRN',
    streams: ['ONLINE_PRESENCE'],
    capabilities: ['CRIMINAL_ANALYSIS', 'INNOVATION'],
    title: {
      en: 'Training on open source intelligence and social media',
      fr: "Formation au renseignement d'origine sources ouvertes et aux réseaux sociaux",
      es: 'Formación en inteligencia de fuentes abiertas y redes sociales',
      ar: 'التدريب على الاستخبارات مفتوحة المصدر ووسائل التواصل الاجتماعي',
    },
  },
  {
    kind: 'TRN',
    streams: ['TRAVEL_MOBILITY', 'IDENTIFICATION'],
    capabilities: ['DATA_MANAGEMENT', 'BORDER_MANAGEMENT'],
    title: {
      en: 'Training on passenger data for airport police',
      fr: "Formation sur les données des passagers pour la police de l'aéroport",
      es: 'Formación sobre datos de pasajeros para la policía del aeropuerto',
      ar: 'التدريب على بيانات المسافرين لشرطة المطار',
    },
  },
  {
    kind: 'TRN',
    streams: ['TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT'],
    title: {
      en: 'Study visit on aviation security',
      fr: "Visite d'étude sur la sûreté aérienne",
      es: 'Visita de estudio sobre seguridad aérea',
      ar: 'زيارة دراسية حول أمن الطيران',
    },
  },
  {
    kind: 'TRN',
    streams: ['IDENTIFICATION', 'TRAVEL_MOBILITY'],
    capabilities: ['DATA_MANAGEMENT'],
    title: {
      en: 'Workshop for border guards on watchlist and notices',
      fr: 'Atelier pour les garde-frontières sur la liste de surveillance et les notices',
      es: 'Taller para guardias de fronteras sobre lista de vigilancia y notificaciones',
      ar: 'ورشة عمل لحرس الحدود حول قائمة المراقبة والنشرات',
    },
  },
  // Meetings, workshops, conferences.
  {
    kind: 'MTG',
    streams: ['ONLINE_PRESENCE'],
    capabilities: ['INNOVATION'],
    title: {
      en: 'Regional workshop on online terrorist content',
      fr: 'Atelier régional sur le contenu en ligne terroriste',
      es: 'Taller regional sobre contenido en línea terrorista',
      ar: 'ورشة عمل إقليمية حول المحتوى الإرهابي',
    },
  },
  {
    kind: 'MTG',
    streams: ['FINANCING'],
    capabilities: ['CRIMINAL_ANALYSIS'],
    title: {
      en: 'Expert meeting on terrorist financing through hawala',
      fr: "Réunion d'experts sur le financement du terrorisme par la hawala",
      es: 'Reunión de expertos sobre la financiación del terrorismo mediante hawala',
      ar: 'اجتماع خبراء حول تمويل الإرهاب عبر الحوالة',
    },
  },
  {
    kind: 'MTG',
    streams: ['IDENTIFICATION'],
    capabilities: ['DATA_MANAGEMENT', 'COMMAND_COORDINATION'],
    title: {
      en: 'Working group on information sharing and red notices',
      fr: "Groupe de travail sur l'échange d'informations et les notices rouges",
      es: 'Grupo de trabajo sobre intercambio de información y notificaciones rojas',
      ar: 'فريق العمل حول تبادل المعلومات والنشرات الحمراء',
    },
  },
  {
    kind: 'MTG',
    streams: ['ONLINE_PRESENCE'],
    capabilities: ['CAPACITY_BUILDING'],
    title: {
      en: 'Conference on violent extremism and radicalisation',
      fr: "Conférence sur l'extrémisme violent et la radicalisation",
      es: 'Conferencia sobre extremismo violento y radicalización',
      ar: 'مؤتمر حول التطرف العنيف والتحول إلى التطرف',
    },
  },
  {
    kind: 'MTG',
    streams: ['WEAPONS_MATERIALS'],
    capabilities: ['COMMAND_COORDINATION'],
    title: {
      en: 'Seminar on the CBRNE threat for first responders',
      fr: 'Séminaire sur la menace NRBC pour les primo-intervenants',
      es: 'Seminario sobre la amenaza QBRN para primeros intervinientes',
      ar: 'ندوة حول تهديد المواد الكيميائية والبيولوجية والإشعاعية والنووية للمستجيبين الأوائل',
    },
  },
  {
    kind: 'MTG',
    streams: ['FINANCING', 'ONLINE_PRESENCE'],
    capabilities: ['INNOVATION', 'CRIMINAL_ANALYSIS'],
    title: {
      en: 'Workshop on crypto-assets and crowdfunding',
      fr: 'Atelier sur les crypto-actifs et le financement participatif',
      es: 'Taller sobre criptoactivos y micromecenazgo',
      ar: 'ورشة عمل حول الأصول المشفرة والتمويل الجماعي',
    },
  },
  {
    kind: 'MTG',
    streams: ['IDENTIFICATION'],
    capabilities: ['FUGITIVE_SUPPORT', 'COMMAND_COORDINATION'],
    title: {
      en: 'Meeting of National Central Bureau heads on fugitives',
      fr: 'Réunion des chefs de Bureau central national sur les fugitifs',
      es: 'Reunión de jefes de Oficina Central Nacional sobre fugitivos',
      ar: 'اجتماع رؤساء المكتب المركزي الوطني حول الفارين',
    },
  },
  // Operations.
  {
    kind: 'OPS',
    streams: ['TRAVEL_MOBILITY', 'IDENTIFICATION'],
    capabilities: ['BORDER_MANAGEMENT', 'COMMAND_COORDINATION'],
    title: {
      en: 'Joint border operation on terrorist travel',
      fr: 'Opération conjointe aux frontières sur les déplacements de terroristes',
      es: 'Operación conjunta de control fronterizo sobre viajes de terroristas',
      ar: 'عملية مشتركة على الحدود بشأن سفر الإرهابيين',
    },
  },
  {
    kind: 'OPS',
    streams: ['WEAPONS_MATERIALS', 'TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT'],
    title: {
      en: 'Operation on firearms trafficking at the land border',
      fr: "Opération sur le trafic d'armes à feu à la frontière terrestre",
      es: 'Operación sobre tráfico de armas de fuego en la frontera terrestre',
      ar: 'عملية حول الاتجار غير المشروع بالأسلحة النارية على الحدود البرية',
    },
  },
  {
    kind: 'OPS',
    streams: ['TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT', 'DATA_MANAGEMENT'],
    title: {
      en: 'Operation on fraudulent documents at the airport',
      fr: "Opération sur les documents frauduleux à l'aéroport",
      es: 'Operación sobre documentos fraudulentos en el aeropuerto',
      ar: 'عملية حول الوثائق المزورة في المطار',
    },
  },
  {
    kind: 'OPS',
    streams: ['FINANCING', 'TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT', 'CRIMINAL_ANALYSIS'],
    title: {
      en: 'Operation on cash couriers and money laundering',
      fr: 'Opération sur les passeurs de fonds et le blanchiment de capitaux',
      es: 'Operación sobre correos de efectivo y blanqueo de capitales',
      ar: 'عملية حول ناقلي الأموال النقدية وغسل الأموال',
    },
  },
  {
    kind: 'OPS',
    streams: ['TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT'],
    title: {
      en: 'Maritime operation on smuggling of migrants at the seaport',
      fr: 'Opération maritime sur le trafic de migrants au port',
      es: 'Operación marítima sobre tráfico de migrantes en el puerto',
      ar: 'عملية في المجال البحري حول تهريب المهاجرين في الموانئ',
    },
  },
  {
    kind: 'OPS',
    streams: ['WEAPONS_MATERIALS'],
    capabilities: ['COMMAND_COORDINATION'],
    title: {
      en: 'Joint operation on explosives precursors',
      fr: "Opération conjointe sur les précurseurs d'explosifs",
      es: 'Operación conjunta sobre precursores de explosivos',
      ar: 'عملية مشتركة حول سلائف المتفجرات',
    },
  },
  // Deployments and field support.
  {
    kind: 'DEP',
    streams: ['IDENTIFICATION'],
    capabilities: ['FORENSICS', 'COMMAND_COORDINATION'],
    title: {
      en: 'Deployment of an incident response team after terrorist attacks',
      fr: "Déploiement d'une équipe d'intervention après les attentats",
      es: 'Despliegue de un equipo de respuesta tras los atentados',
      ar: 'إيفاد فريق الاستجابة بعد الهجمات',
    },
  },
  {
    kind: 'DEP',
    streams: ['TRAVEL_MOBILITY', 'IDENTIFICATION'],
    capabilities: ['COMMAND_COORDINATION'],
    title: {
      en: 'Field support mission for the security of major events',
      fr: "Mission d'appui opérationnel pour la sécurité des grands événements",
      es: 'Misión de apoyo operativo para la seguridad de grandes eventos',
      ar: 'بعثة الدعم الميداني لأمن الأحداث الكبرى',
    },
  },
  {
    kind: 'DEP',
    streams: ['IDENTIFICATION'],
    capabilities: ['FORENSICS'],
    title: {
      en: 'Deployment on forensics and DNA identification',
      fr: 'Déploiement en police scientifique et identification ADN',
      es: 'Despliegue en ciencia forense e identificación de ADN',
      ar: 'إيفاد في الأدلة الجنائية وتحديد الهوية بالحمض النووي',
    },
  },
  {
    kind: 'DEP',
    streams: ['IDENTIFICATION', 'FINANCING'],
    capabilities: ['CRIMINAL_ANALYSIS'],
    title: {
      en: 'Mentoring of analysts in criminal analysis',
      fr: 'Mentorat des analystes en analyse criminelle',
      es: 'Mentoría de analistas en análisis criminal',
      ar: 'توجيه المحللين في التحليل الجنائي',
    },
  },
  // Projects and programmes.
  {
    kind: 'PRJ',
    streams: ['TRAVEL_MOBILITY', 'IDENTIFICATION'],
    capabilities: ['CAPACITY_BUILDING', 'BORDER_MANAGEMENT'],
    title: {
      en: 'Capacity building project on border control',
      fr: 'Projet de renforcement des capacités en contrôle aux frontières',
      es: 'Proyecto de fortalecimiento de capacidades en control fronterizo',
      ar: 'مشروع بناء القدرات في مراقبة الحدود',
    },
  },
  {
    kind: 'PRJ',
    streams: ['FINANCING'],
    capabilities: ['CAPACITY_BUILDING', 'CRIMINAL_ANALYSIS'],
    title: {
      en: 'Programme on countering terrorist financing',
      fr: 'Programme de lutte contre le financement du terrorisme',
      es: 'Programa de lucha contra la financiación del terrorismo',
      ar: 'برنامج مكافحة تمويل الإرهاب',
    },
  },
  {
    kind: 'PRJ',
    streams: ['IDENTIFICATION'],
    capabilities: ['DATA_MANAGEMENT', 'INNOVATION'],
    title: {
      en: 'Project on biometric databases',
      fr: 'Projet sur les bases de données biométriques',
      es: 'Proyecto sobre bases de datos biométricos',
      ar: 'مشروع قواعد البيانات البيومترية',
    },
  },
  {
    kind: 'PRJ',
    streams: ['ONLINE_PRESENCE'],
    capabilities: ['CAPACITY_BUILDING'],
    title: {
      en: 'Programme on the prevention of violent extremism in prison',
      fr: "Programme de prévention de l'extrémisme violent en prison",
      es: 'Programa de prevención del extremismo violento en prisión',
      ar: 'برنامج الوقاية من التطرف العنيف في السجون',
    },
  },
  {
    kind: 'PRJ',
    streams: ['WEAPONS_MATERIALS'],
    capabilities: ['DATA_MANAGEMENT', 'FORENSICS'],
    title: {
      en: 'Project on weapons and ammunition tracing',
      fr: 'Projet de traçage des armes et des munitions',
      es: 'Proyecto de rastreo de armas y municiones',
      ar: 'مشروع تعقب الأسلحة والذخيرة',
    },
  },
  {
    kind: 'PRJ',
    streams: ['TRAVEL_MOBILITY'],
    capabilities: ['DATA_MANAGEMENT', 'BORDER_MANAGEMENT'],
    title: {
      en: 'Programme on aviation security and passenger data',
      fr: 'Programme sur la sûreté aérienne et les données des passagers',
      es: 'Programa sobre seguridad aérea y datos de pasajeros',
      ar: 'برنامج أمن الطيران وبيانات المسافرين',
    },
  },
  {
    kind: 'PRJ',
    streams: ['WEAPONS_MATERIALS'],
    capabilities: ['CAPACITY_BUILDING'],
    title: {
      en: 'Project on CBRNE and explosives precursors',
      fr: "Projet sur les NRBC et les précurseurs d'explosifs",
      es: 'Proyecto sobre QBRN y precursores de explosivos',
      ar: 'مشروع حول المواد الكيميائية والبيولوجية والإشعاعية والنووية وسلائف المتفجرات',
    },
  },
  {
    kind: 'PRJ',
    streams: ['ONLINE_PRESENCE', 'IDENTIFICATION'],
    capabilities: ['FORENSICS', 'INNOVATION'],
    title: {
      en: 'Project on digital evidence and encryption',
      fr: 'Projet sur les preuves numériques et le chiffrement',
      es: 'Proyecto sobre pruebas digitales y cifrado',
      ar: 'مشروع الأدلة الرقمية والتشفير',
    },
  },
  {
    kind: 'PRJ',
    streams: ['FINANCING'],
    capabilities: ['CRIMINAL_ANALYSIS'],
    title: {
      en: 'Programme on asset freezing and sanctions',
      fr: 'Programme sur le gel des avoirs et les sanctions',
      es: 'Programa sobre congelación de activos y sanciones',
      ar: 'برنامج تجميد الأصول والعقوبات',
    },
  },
  {
    kind: 'PRJ',
    streams: ['TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT'],
    title: {
      en: 'Project on maritime security at the seaport',
      fr: 'Projet sur la sécurité maritime au port',
      es: 'Proyecto sobre seguridad marítima en el puerto',
      ar: 'مشروع الأمن البحري في الموانئ',
    },
  },
  {
    kind: 'PRJ',
    streams: ['TRAVEL_MOBILITY', 'ONLINE_PRESENCE'],
    capabilities: ['CAPACITY_BUILDING'],
    title: {
      en: 'Programme on returnees and rehabilitation',
      fr: 'Programme sur les revenants et la réhabilitation',
      es: 'Programa sobre retornados y rehabilitación',
      ar: 'برنامج العائدين وإعادة التأهيل',
    },
  },
  {
    kind: 'DEP',
    streams: ['IDENTIFICATION'],
    capabilities: ['FUGITIVE_SUPPORT', 'CRIMINAL_ANALYSIS'],
    title: {
      en: 'Deployment to support investigations on kidnapping',
      fr: 'Déploiement en appui aux enquêtes sur les enlèvements',
      es: 'Despliegue de apoyo a las investigaciones sobre secuestro',
      ar: 'إيفاد لدعم التحقيقات في الاختطاف',
    },
  },
  {
    kind: 'DEP',
    streams: ['WEAPONS_MATERIALS'],
    capabilities: ['FORENSICS'],
    title: {
      en: 'Assessment mission on firearms and ammunition',
      fr: "Mission d'évaluation sur les armes à feu et les munitions",
      es: 'Misión de evaluación sobre armas de fuego y municiones',
      ar: 'بعثة تقييم حول الأسلحة النارية والذخيرة',
    },
  },
  {
    kind: 'TRN',
    streams: ['WEAPONS_MATERIALS', 'TRAVEL_MOBILITY'],
    capabilities: ['BORDER_MANAGEMENT'],
    title: {
      en: 'Exercise on the protection of soft targets',
      fr: 'Exercice sur la protection des cibles vulnérables',
      es: 'Ejercicio sobre la protección de objetivos vulnerables',
      ar: 'تمرين حول حماية الأهداف السهلة',
    },
  },
];

/** Who a training or meeting is for, when its title says so. */
const AUDIENCES: Record<Language, string>[] = [
  { en: 'for police', fr: 'pour la police', es: 'para la policía', ar: 'للشرطة' },
  { en: 'for customs', fr: 'pour les douanes', es: 'para las aduanas', ar: 'للجمارك' },
  {
    en: 'for prosecutors and judges',
    fr: 'pour les procureurs et les juges',
    es: 'para fiscales y jueces',
    ar: 'للمدعين العامين والقضاة',
  },
  { en: 'for investigators', fr: 'pour les enquêteurs', es: 'para investigadores', ar: 'للمحققين' },
  { en: 'for analysts', fr: 'pour les analystes', es: 'para analistas', ar: 'للمحللين' },
  { en: 'for border guards', fr: 'pour les garde-frontières', es: 'para guardias de fronteras', ar: 'لحرس الحدود' },
];

/** The sub-regions a title may name, by hub region. */
const PLACES: Record<HubRegion, Record<Language, string>[]> = {
  afr: [
    { en: 'Sahel', fr: 'Sahel', es: 'Sahel', ar: 'الساحل' },
    { en: 'Lake Chad basin', fr: 'bassin du lac Tchad', es: 'cuenca del lago Chad', ar: 'حوض بحيرة تشاد' },
    { en: 'Horn of Africa', fr: "Corne de l'Afrique", es: 'Cuerno de África', ar: 'القرن الأفريقي' },
    { en: 'West Africa', fr: "Afrique de l'Ouest", es: 'África Occidental', ar: 'غرب أفريقيا' },
    { en: 'East Africa', fr: "Afrique de l'Est", es: 'África Oriental', ar: 'شرق أفريقيا' },
  ],
  mde: [
    { en: 'Gulf', fr: 'Golfe', es: 'Golfo', ar: 'منطقة الخليج' },
    { en: 'Maghreb', fr: 'Maghreb', es: 'Magreb', ar: 'المغرب العربي' },
    { en: 'Middle East', fr: 'Moyen-Orient', es: 'Oriente Medio', ar: 'الشرق الأوسط' },
    { en: 'Mediterranean', fr: 'Méditerranée', es: 'Mediterráneo', ar: 'البحر الأبيض المتوسط' },
  ],
  asi: [
    { en: 'Southeast Asia', fr: 'Asie du Sud-Est', es: 'Sudeste Asiático', ar: 'جنوب شرق آسيا' },
    { en: 'South Asia', fr: 'Asie du Sud', es: 'Asia del Sur', ar: 'جنوب آسيا' },
    { en: 'South Pacific', fr: 'Pacifique Sud', es: 'Pacífico Sur', ar: 'جنوب المحيط الهادئ' },
  ],
  eur: [
    { en: 'Balkans', fr: 'Balkans', es: 'Balcanes', ar: 'البلقان' },
    { en: 'Mediterranean', fr: 'Méditerranée', es: 'Mediterráneo', ar: 'البحر الأبيض المتوسط' },
    { en: 'Europe', fr: 'Europe', es: 'Europa', ar: 'أوروبا' },
  ],
};

/** How often each kind appears (by template), and how long it lasts, in days. */
const DURATION: Record<InitiativeKind, [number, number]> = {
  MTG: [1, 3],
  TRN: [3, 10],
  OPS: [10, 60],
  DEP: [30, 180],
  PRJ: [365, 1095],
};
const KIND_SHARE: Record<InitiativeKind, number> = { TRN: 0.4, MTG: 0.28, OPS: 0.19, DEP: 0.09, PRJ: 0.04 };

/** Recipient countries by region, most active first (drawn with a Zipf-like skew: the first few get most records). */
const COUNTRIES: Record<HubRegion, string[]> = {
  afr: ['KE', 'NG', 'ML', 'SO', 'NE', 'BF', 'TD', 'CM', 'ET', 'TZ', 'UG', 'SN', 'MZ', 'GH', 'CD', 'CF'],
  mde: ['IQ', 'JO', 'LB', 'EG', 'TN', 'SY', 'SA', 'MA', 'DZ', 'LY', 'AE', 'QA', 'KW', 'OM', 'BH', 'YE'],
  asi: ['PH', 'ID', 'MY', 'TH', 'PK', 'BD', 'LK', 'AF', 'IN', 'SG', 'VN', 'KH', 'MV', 'NP', 'AU', 'NZ'],
  eur: ['FR', 'BE', 'DE', 'ES', 'IT', 'NL', 'TR', 'GB', 'AT', 'SE', 'PL', 'GR', 'BA', 'AL', 'RS', 'MK'],
};

const HUB_LANGS: Record<HubRegion, [Language, number][]> = {
  afr: [
    ['en', 0.55],
    ['fr', 0.45],
  ],
  mde: [
    ['ar', 0.5],
    ['en', 0.3],
    ['fr', 0.2],
  ],
  asi: [['en', 1]],
  eur: [
    ['en', 0.6],
    ['fr', 0.25],
    ['es', 0.15],
  ],
};

interface PartnerSpec {
  code: string;
  share: number;
  regions: HubRegion[];
  langs: [Language, number][];
}

/** The partners' share of all records (30% together), where they work, and what they write in. */
const PARTNERS: PartnerSpec[] = [
  {
    code: 'UNODC',
    share: 0.12,
    regions: ['afr', 'mde', 'asi', 'eur'],
    langs: [
      ['en', 0.6],
      ['fr', 0.2],
      ['es', 0.2],
    ],
  },
  {
    code: 'AFRIPOL',
    share: 0.06,
    regions: ['afr'],
    langs: [
      ['fr', 0.5],
      ['en', 0.3],
      ['ar', 0.2],
    ],
  },
  {
    code: 'EUROPOL',
    share: 0.06,
    regions: ['eur'],
    langs: [
      ['en', 0.8],
      ['fr', 0.1],
      ['es', 0.1],
    ],
  },
  { code: 'ASEANAPOL', share: 0.06, regions: ['asi'], langs: [['en', 1]] },
];
const HUB_SHARE: Record<HubRegion, number> = { afr: 0.22, mde: 0.16, asi: 0.16, eur: 0.16 };

const FUNDERS = [
  { ref: 'GB-GOV-1', name: 'United Kingdom Foreign, Commonwealth and Development Office' },
  { ref: 'CA-GOV-GAC', name: 'Global Affairs Canada' },
  { ref: 'DE-GOV-AA', name: 'German Federal Foreign Office' },
  { ref: 'JP-GOV-MOFA', name: 'Ministry of Foreign Affairs of Japan' },
  { ref: 'US-GOV-CT', name: 'United States Department of State, Bureau of Counterterrorism' },
  { ref: 'XI-IATI-EC_INTPA', name: 'European Commission, Directorate-General for International Partnerships' },
  { ref: 'NO-GOV-MFA', name: 'Norwegian Ministry of Foreign Affairs' },
];

const CODE_NAMES = ['SAHEL-SHIELD', 'NEPTUNE', 'TRIGGER', 'FLASH-WEKA', 'LIONFISH', 'HARMONY', 'STORM', 'ORION'];

const DESCRIPTIONS = [
  'Delivered with the national counterparts; agenda and participant list held by the reporting organisation.',
  'Follow-up of the previous edition; materials translated for the participating agencies.',
  'Coordinated with the National Central Bureaus of the recipient countries.',
  'Part of the regional work plan agreed with the donors for the current cycle.',
];

const DAY_MS = 86_400_000;
/** The three years the records' dates are spread over by default (2025–2027); `spanYears` reaches further back. */
const LAST_DAY = Date.UTC(2028, 0, 1);
const DEFAULT_SPAN_YEARS = 3;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/** One event to publish, already serialised. */
export interface PlatformEvent {
  subject: string;
  /** Event id, also the Nats-Msg-Id. */
  id: string;
  payload: string;
  reporterType: 'HUB' | 'PARTNER';
  action: 'new' | 'update' | 'withdraw' | 'resend';
  initiativeId: string;
  /** On a partner's report of a hub's activity (action `new`): the hub's record it duplicates. */
  duplicateOf?: string;
  /** What docs/domain.md's consumer rules give for it, judged in generation order (the order it is published in). */
  expected: string;
}

interface Stored {
  reporter: Reporter;
  region: HubRegion;
  template: number;
  /** Its title in each language (template, qualifier, year): what a translation or a re-report writes. */
  titles: Record<Language, string>;
  snapshot: InitiativeSnapshot;
  withdrawn: boolean;
  /** A partner's re-report of a hub record (a genuine duplicate). */
  duplicateOf?: string;
}

export interface PlatformWorkload {
  seed: PlatformEvent[];
  measured: PlatformEvent[];
  /** About the seeded registry. */
  seedStats: { hub: number; partner: number; genuineDuplicates: number; avgPayloadBytes: number };
  /** The measured events by action. */
  mix: Record<PlatformEvent['action'], number>;
  /** The measured events' expected outcomes (`APPLIED`, `IGNORED STALE_VERSION`…). */
  expected: Record<string, number>;
}

function weighted<T>(rnd: () => number, items: readonly [T, number][]): T {
  const total = items.reduce((a, [, w]) => a + w, 0);
  let x = rnd() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return items[items.length - 1][0];
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
const between = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

/** A country of `region`, the first ones far more often (weight 1 / rank^1.1). */
function skewedCountry(rnd: () => number, region: HubRegion): string {
  const list = COUNTRIES[region];
  return weighted(
    rnd,
    list.map((c, i) => [c, 1 / Math.pow(i + 1, 1.1)] as [string, number]),
  );
}

function countriesFor(rnd: () => number, region: HubRegion, scope: InitiativeScope): string[] {
  const n = scope === 'NATIONAL' ? 1 : scope === 'REGIONAL' ? between(rnd, 2, 4) : between(rnd, 3, 5);
  const out = new Set<string>();
  for (let tries = 0; out.size < n && tries < 50; tries++) {
    const r = scope === 'MULTI_REGIONAL' && out.size > 0 && rnd() < 0.4 ? pick(rnd, HUB_REGIONS) : region;
    out.add(skewedCountry(rnd, r));
  }
  return [...out];
}

/** The status a record of these planned dates has on `today`, with the actual dates that status needs. */
function datesAndStatus(
  rnd: () => number,
  plannedStart: number,
  plannedEnd: number,
  today: number,
): { status: InitiativeStatus; dates: NonNullable<InitiativeSnapshot['dates']> } {
  const planned = { plannedStart: isoDay(plannedStart), plannedEnd: isoDay(plannedEnd) };
  if (plannedStart > today) {
    return { status: rnd() < 0.97 ? 'PIPELINE' : 'CANCELLED', dates: planned };
  }
  const actualStart = Math.min(today, plannedStart + between(rnd, 0, 3) * DAY_MS);
  if (plannedEnd > today) {
    const x = rnd();
    if (x < 0.05) return { status: 'PIPELINE', dates: planned }; // late to start
    return {
      status: x < 0.1 ? 'SUSPENDED' : 'IMPLEMENTATION',
      dates: { ...planned, actualStart: isoDay(actualStart) },
    };
  }
  const actualEnd = Math.max(actualStart, Math.min(today, plannedEnd + between(rnd, 0, 5) * DAY_MS));
  const x = rnd();
  if (x < 0.07) return { status: 'CANCELLED', dates: planned };
  if (x < 0.12) return { status: 'IMPLEMENTATION', dates: { ...planned, actualStart: isoDay(actualStart) } };
  return {
    status: x < 0.2 ? 'FINALISATION' : 'CLOSED',
    dates: { ...planned, actualStart: isoDay(actualStart), actualEnd: isoDay(actualEnd) },
  };
}

/**
 * Generates the seed (`seedCount` new initiatives) and the measured events (`measuredCount`: updates, new records,
 * withdrawals and a few stale re-sends). Deterministic content for a given seed; every snapshot is checked with the
 * contract's `checkInitiativeSnapshot`, and every event judged with the platform's consumer rules in publishing order,
 * so the expected outcomes are known before the platform sees anything.
 */
export function generatePlatformWorkload(
  seedCount: number,
  measuredCount: number,
  now = Date.now(),
  seed = 20_261_126,
  /**
   * The years the records' dates are spread over, ending with 2027 (default 3: 2025–2027). The scale profile spreads a
   * larger registry over more years (scale.ts: a registry grows by its history, not by cramming its years).
   */
  spanYears = DEFAULT_SPAN_YEARS,
): PlatformWorkload {
  const rnd = prng(seed);
  const SPAN_DAYS = Math.round(spanYears * 365);
  const FIRST_DAY = LAST_DAY - SPAN_DAYS * DAY_MS;
  const today = dayMs(isoDay(now));
  const records: Stored[] = [];
  const byId = new Map<string, Stored>();
  const hubRecordsByRegion: Record<HubRegion, Stored[]> = { afr: [], mde: [], asi: [], eur: [] };
  const state = new Map<string, RegistryState>();
  let localSeq = 0;

  // Report times: the seed over [now − 20 min, now − 10 min), the measured events over [now − 10 min, now).
  const reportTime = (phase: 0 | 1, i: number, count: number) =>
    new Date(now - (2 - phase) * 600_000 + Math.floor((i * 600_000) / Math.max(1, count))).toISOString();

  const reporters: [{ hub: HubRegion } | { partner: PartnerSpec }, number][] = [
    ...HUB_REGIONS.map((r) => [{ hub: r }, HUB_SHARE[r]] as [{ hub: HubRegion }, number]),
    ...PARTNERS.map((p) => [{ partner: p }, p.share] as [{ partner: PartnerSpec }, number]),
  ];
  const templatesByKind = new Map<InitiativeKind, number[]>();
  TEMPLATES.forEach((t, i) => templatesByKind.set(t.kind, [...(templatesByKind.get(t.kind) ?? []), i]));
  const kinds = Object.entries(KIND_SHARE) as [InitiativeKind, number][];

  const hubReporter = (r: HubRegion): Reporter => ({
    ref: `IP-HUB-${r.toUpperCase()}`,
    type: 'HUB',
    source: `/ctp/hubs/${r}`,
    code: r,
  });
  const partnerReporter = (p: PartnerSpec): Reporter => ({
    ref: `PT-${p.code}`,
    type: 'PARTNER',
    source: `/ctp/partner-liaison/${p.code.toLowerCase()}`,
    code: p.code,
  });

  /** A new initiative of its own (not a re-report). */
  function freshRecord(reporter: Reporter, region: HubRegion, langs: [Language, number][], at: string): Stored {
    const template = pick(rnd, templatesByKind.get(weighted(rnd, kinds))!);
    const t = TEMPLATES[template];
    const [minDays, maxDays] = DURATION[t.kind];
    const duration = between(rnd, minDays, maxDays);
    const plannedStart = FIRST_DAY + Math.floor(rnd() * (SPAN_DAYS - Math.min(duration, 200))) * DAY_MS;
    const plannedEnd = plannedStart + (duration - 1) * DAY_MS;
    const scope = weighted<InitiativeScope>(rnd, [
      ['NATIONAL', 0.55],
      ['REGIONAL', 0.33],
      ['MULTI_REGIONAL', 0.1],
      ['GLOBAL', reporter.code === 'UNODC' ? 0.02 : 0],
    ]);
    const lang = weighted(rnd, langs);
    // Most titles say who it is for or where, the way titles do: "… for customs", "… – Sahel", and sometimes the year.
    const year = rnd() < 0.2 ? ` ${isoDay(plannedStart).slice(0, 4)}` : '';
    const q = rnd();
    const audience = q < 0.4 && !t.title.en.includes(' for ') ? pick(rnd, AUDIENCES) : undefined;
    const place = !audience && q < 0.88 ? pick(rnd, PLACES[region]) : undefined;
    const titles = Object.fromEntries(
      (['en', 'fr', 'es', 'ar'] as Language[]).map((l) => [
        l,
        `${t.title[l]}${audience ? ` ${audience[l]}` : ''}${place ? ` – ${place[l]}` : ''}${year}`,
      ]),
    ) as Record<Language, string>;
    const { status, dates } = datesAndStatus(rnd, plannedStart, plannedEnd, today);
    const funder = rnd() < 0.25 ? pick(rnd, FUNDERS) : undefined;
    const snapshot: InitiativeSnapshot = {
      initiativeId: `${reporter.ref}-${reporter.type === 'HUB' ? 'H' : 'P'}${(localSeq++).toString(36).padStart(5, '0')}`,
      reportingOrg: { ref: reporter.ref, type: reporter.type, secondaryReporter: reporter.type === 'PARTNER' },
      version: 1,
      lastUpdatedAt: at,
      kind: t.kind,
      ...(t.kind === 'OPS' && rnd() < 0.5 ? { codeName: `${pick(rnd, CODE_NAMES)}-${between(rnd, 1, 40)}` } : {}),
      title: { lang, text: titles[lang] },
      ...(lang !== 'en' && rnd() < 0.2 ? { titleAlt: [{ lang: 'en' as Language, text: titles.en }] } : {}),
      ...(rnd() < 0.5 ? { description: pick(rnd, DESCRIPTIONS) } : {}),
      actionStreams: { primary: t.streams[0], secondary: rnd() < 0.6 ? t.streams.slice(1) : [] },
      ...(rnd() < 0.6 ? { capabilities: t.capabilities.slice(0, between(rnd, 1, t.capabilities.length)) } : {}),
      status,
      dates,
      scope,
      recipientCountries: scope === 'GLOBAL' ? [] : countriesFor(rnd, region, scope),
      ...(funder ? { participatingOrgs: [{ ...funder, role: 'FUNDING' as const }] } : {}),
      visibility: rnd() < 0.8 ? 'PARTNER_SHAREABLE' : 'INTERPOL_RESTRICTED',
    };
    return { reporter, region, template, titles, snapshot, withdrawn: false };
  }

  /** A partner's report of a hub's activity: the same activity, its own id, usually in another language. */
  function reReport(reporter: Reporter, langs: [Language, number][], original: Stored, at: string): Stored {
    const o = original.snapshot;
    const others = langs.filter(([l]) => l !== o.title.lang);
    const lang = weighted(rnd, others.length > 0 ? others : langs);
    const shift = pick(rnd, [0, 0, 0, 1, -1, 2]) * DAY_MS;
    const moved = (iso: string | undefined) => (iso === undefined ? undefined : isoDay(dayMs(iso) + shift));
    const d = o.dates ?? {};
    let dates: NonNullable<InitiativeSnapshot['dates']> = {
      plannedStart: moved(d.plannedStart),
      plannedEnd: moved(d.plannedEnd),
      ...(d.actualStart ? { actualStart: moved(d.actualStart) } : {}),
      ...(d.actualEnd ? { actualEnd: moved(d.actualEnd) } : {}),
    };
    // Nothing actually happens after today: keep the hub's dates when the shift would say so.
    if ([dates.actualStart, dates.actualEnd].some((a) => a !== undefined && dayMs(a) > today)) dates = { ...d };
    const countries =
      o.recipientCountries.length > 1 && rnd() < 0.4
        ? o.recipientCountries.slice(0, between(rnd, 1, o.recipientCountries.length - 1))
        : [...o.recipientCountries];
    const link = rnd();
    const snapshot: InitiativeSnapshot = {
      initiativeId: `${reporter.ref}-P${(localSeq++).toString(36).padStart(5, '0')}`,
      reportingOrg: { ref: reporter.ref, type: 'PARTNER', secondaryReporter: true },
      version: 1,
      lastUpdatedAt: at,
      kind: o.kind,
      ...(o.codeName ? { codeName: o.codeName } : {}),
      title: { lang, text: original.titles[lang] },
      actionStreams: { primary: o.actionStreams.primary, secondary: [...o.actionStreams.secondary] },
      ...(o.capabilities ? { capabilities: [...o.capabilities] } : {}),
      status: o.status,
      dates,
      scope: o.scope,
      recipientCountries: countries,
      participatingOrgs: [
        { ref: original.reporter.ref, name: `INTERPOL ${original.region.toUpperCase()} hub`, role: 'IMPLEMENTING' },
      ],
      ...(link < 0.2 ? { relatedInitiatives: [{ ref: o.initiativeId, type: 5 }] } : {}),
      ...(link >= 0.2 && link < 0.3
        ? { otherIdentifiers: [{ ref: o.initiativeId, ownerOrg: original.reporter.ref }] }
        : {}),
      visibility: 'PARTNER_SHAREABLE',
    };
    return {
      reporter,
      region: original.region,
      template: original.template,
      titles: original.titles,
      snapshot,
      withdrawn: false,
      duplicateOf: o.initiativeId,
    };
  }

  function newRecord(at: string): Stored {
    const who = weighted(rnd, reporters);
    if ('hub' in who) {
      const rec = freshRecord(hubReporter(who.hub), who.hub, HUB_LANGS[who.hub], at);
      hubRecordsByRegion[who.hub].push(rec);
      return rec;
    }
    const p = who.partner;
    const region = pick(rnd, p.regions);
    const candidates = hubRecordsByRegion[region];
    // About one partner record in six is the partner's report of a hub's activity: ~5% of all records.
    if (candidates.length > 20 && rnd() < 0.17) {
      for (let tries = 0; tries < 5; tries++) {
        const original = candidates[Math.floor(rnd() * candidates.length)];
        if (!original.withdrawn && original.snapshot.scope !== 'GLOBAL')
          return reReport(partnerReporter(p), p.langs, original, at);
      }
    }
    return freshRecord(partnerReporter(p), region, p.langs, at);
  }

  function toEvent(rec: Stored, type: InitiativeEventType, action: PlatformEvent['action']): PlatformEvent {
    const s = rec.snapshot;
    const subject =
      rec.reporter.type === 'HUB'
        ? Subjects.hubInitiative(rec.reporter.code as HubRegion, type)
        : Subjects.partnerInitiative(rec.reporter.code, type);
    const event: CloudEvent<InitiativeSnapshot> = {
      specversion: '1.0',
      id: randomUUID(),
      source: rec.reporter.source,
      type,
      subject: s.initiativeId,
      time: s.lastUpdatedAt,
      datacontenttype: 'application/json',
      dataschema: 'ctp:initiative:v1',
      correlationid: randomUUID(),
      data: s,
    };
    const check = checkInitiativeSnapshot(s, now);
    if (!check.ok) {
      throw new Error(
        `generated snapshot ${s.initiativeId} v${s.version} is not contract-valid: ${JSON.stringify(check.problems)}`,
      );
    }
    const verdict = judgeInitiativeEvent(event, subject, state.get(s.initiativeId), now);
    const expected =
      verdict.outcome === 'APPLY'
        ? 'APPLIED'
        : `${verdict.outcome} ${verdict.reason}${verdict.outcome === 'REJECTED' ? `: ${verdict.detail}` : ''}`;
    if (verdict.outcome === 'APPLY') {
      state.set(s.initiativeId, {
        version: s.version,
        withdrawn: type === InitiativeEventType.Withdrawn,
        status: s.status,
      });
    }
    return {
      subject,
      id: event.id,
      payload: JSON.stringify(event),
      reporterType: rec.reporter.type,
      action,
      initiativeId: s.initiativeId,
      ...(rec.duplicateOf && action === 'new' ? { duplicateOf: rec.duplicateOf } : {}),
      expected,
    };
  }

  const add = (rec: Stored) => {
    records.push(rec);
    byId.set(rec.snapshot.initiativeId, rec);
  };

  // ── The seed ──
  const seedEvents: PlatformEvent[] = [];
  for (let i = 0; i < seedCount; i++) {
    const rec = newRecord(reportTime(0, i, seedCount));
    add(rec);
    seedEvents.push(toEvent(rec, InitiativeEventType.Reported, 'new'));
  }
  const bad = seedEvents.filter((e) => e.expected !== 'APPLIED');
  if (bad.length > 0) throw new Error(`a seed event would not be applied: ${bad[0].expected}`);

  // ── The measured events ──
  const measured: PlatformEvent[] = [];
  const mix: PlatformWorkload['mix'] = { new: 0, update: 0, withdraw: 0, resend: 0 };
  const live = () => {
    for (let tries = 0; tries < 100; tries++) {
      const r = records[Math.floor(rnd() * records.length)];
      if (!r.withdrawn) return r;
    }
    throw new Error('no live record to change');
  };
  for (let j = 0; j < measuredCount; j++) {
    const at = reportTime(1, j, measuredCount);
    const x = rnd();
    let ev: PlatformEvent;
    if (x < 0.42 || records.length === 0) {
      const rec = newRecord(at);
      add(rec);
      ev = toEvent(rec, InitiativeEventType.Reported, 'new');
    } else if (x < 0.96) {
      const rec = live();
      rec.snapshot = updated(rnd, rec, at, today);
      ev = toEvent(rec, InitiativeEventType.Updated, 'update');
    } else if (x < 0.99) {
      // Withdrawals: half of them a partner taking back its re-report of a hub's activity.
      let rec = live();
      if (rnd() < 0.5) {
        const dup = records.filter((r) => r.duplicateOf && !r.withdrawn);
        if (dup.length > 0) rec = pick(rnd, dup);
      }
      rec.snapshot = {
        ...rec.snapshot,
        version: rec.snapshot.version + 1,
        lastUpdatedAt: at,
        withdrawal: {
          reason: rec.duplicateOf ? `Reported by the hub as ${rec.duplicateOf}` : 'Reported in error',
          withdrawnAt: at,
        },
      };
      rec.withdrawn = true;
      ev = toEvent(rec, InitiativeEventType.Withdrawn, 'withdraw');
    } else {
      // A liaison or relay re-sending the current version under a new event id (after a restart): stale.
      const rec = pick(rnd, records);
      const type = rec.withdrawn
        ? InitiativeEventType.Withdrawn
        : rec.snapshot.version === 1
          ? InitiativeEventType.Reported
          : InitiativeEventType.Updated;
      ev = toEvent(rec, type, 'resend');
    }
    mix[ev.action]++;
    measured.push(ev);
  }
  const expected: Record<string, number> = {};
  for (const e of measured) expected[e.expected] = (expected[e.expected] ?? 0) + 1;
  const wrong = measured.find((e) => e.expected !== 'APPLIED' && e.action !== 'resend');
  if (wrong) throw new Error(`a measured ${wrong.action} would not be applied: ${wrong.expected}`);

  const seeded = records.slice(0, seedCount);
  return {
    seed: seedEvents,
    measured,
    seedStats: {
      hub: seeded.filter((r) => r.reporter.type === 'HUB').length,
      partner: seeded.filter((r) => r.reporter.type === 'PARTNER').length,
      genuineDuplicates: seeded.filter((r) => r.duplicateOf).length,
      avgPayloadBytes: Math.round(
        seedEvents.reduce((a, e) => a + Buffer.byteLength(e.payload), 0) / Math.max(1, seedEvents.length),
      ),
    },
    mix,
    expected,
  };
}

/**
 * The next version of a record, as its reporter would send it: status changes along the allowed transitions (with
 * the actual dates they need), re-dated plans, or an edit (countries, title translation, capabilities, description).
 */
function updated(rnd: () => number, rec: Stored, at: string, today: number): InitiativeSnapshot {
  const s = rec.snapshot;
  const d = { ...(s.dates ?? {}) };
  const next: InitiativeSnapshot = { ...s, version: s.version + 1, lastUpdatedAt: at };
  const x = rnd();
  const startedBy = (from: string | undefined) =>
    isoDay(Math.min(today, Math.max(dayMs(from ?? isoDay(today)), today - between(rnd, 0, 20) * DAY_MS)));
  const redate = () => {
    const shift = (rnd() < 0.5 ? -1 : 1) * between(rnd, 7, 60) * DAY_MS;
    if (s.status === 'PIPELINE') {
      next.dates = {
        plannedStart: isoDay(dayMs(d.plannedStart!) + shift),
        plannedEnd: isoDay(dayMs(d.plannedEnd!) + shift),
      };
    } else {
      // Already started: only the planned end moves (never before the planned start).
      const end = Math.max(dayMs(d.plannedStart!), dayMs(d.plannedEnd!) + shift);
      next.dates = { ...d, plannedEnd: isoDay(end) };
    }
  };
  switch (s.status) {
    case 'PIPELINE':
      if (x < 0.35 || (x < 0.6 && dayMs(d.plannedStart!) > today + 60 * DAY_MS)) redate();
      else if (x < 0.6) {
        next.status = 'IMPLEMENTATION';
        next.dates = { ...d, actualStart: startedBy(d.plannedStart) };
      } else if (x < 0.65) next.status = 'CANCELLED';
      else edit(rnd, rec, next);
      break;
    case 'IMPLEMENTATION':
      if (x < 0.3) {
        // Within the contract's ten years of its start (a registry spanning decades holds records left open for years).
        const end = isoDay(
          Math.min(
            dayMs(d.actualStart!) + 3650 * DAY_MS,
            Math.max(dayMs(d.actualStart!), today - between(rnd, 0, 3) * DAY_MS),
          ),
        );
        next.status = rnd() < 0.7 ? 'CLOSED' : 'FINALISATION';
        next.dates = { ...d, actualEnd: end };
      } else if (x < 0.35) next.status = 'SUSPENDED';
      else if (x < 0.45) redate();
      else edit(rnd, rec, next);
      break;
    case 'SUSPENDED':
      if (x < 0.5) next.status = 'IMPLEMENTATION';
      else if (x < 0.6) next.status = 'CANCELLED';
      else edit(rnd, rec, next);
      break;
    case 'FINALISATION':
      if (x < 0.6) next.status = 'CLOSED';
      else edit(rnd, rec, next);
      break;
    default:
      edit(rnd, rec, next);
  }
  return next;
}

function edit(rnd: () => number, rec: Stored, next: InitiativeSnapshot): void {
  const x = rnd();
  const t = TEMPLATES[rec.template];
  if (x < 0.35 && next.scope !== 'GLOBAL') {
    const c = skewedCountry(rnd, rec.region);
    if (!next.recipientCountries.includes(c)) {
      next.recipientCountries = [...next.recipientCountries, c];
      if (next.scope === 'NATIONAL') next.scope = 'REGIONAL';
    }
  } else if (x < 0.55) {
    const lang = pick(
      rnd,
      (['en', 'fr', 'es', 'ar'] as Language[]).filter(
        (l) => l !== next.title.lang && !(next.titleAlt ?? []).some((a) => a.lang === l),
      ),
    );
    if (lang && (next.titleAlt ?? []).length < 3)
      next.titleAlt = [...(next.titleAlt ?? []), { lang, text: rec.titles[lang] }];
  } else if (x < 0.75) {
    next.capabilities = t.capabilities.slice(0, between(rnd, 1, t.capabilities.length));
  } else {
    next.description = pick(rnd, DESCRIPTIONS);
  }
}
