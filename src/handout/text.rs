//! The handout's fixed text: one table per language, so a page is in one language throughout.
//!
//! The sentences about programmes say what a meeting is like, not how well it works: the
//! evidence on outcomes is for staff (`../shared/EVIDENCE.md`), and the handout makes no claim of
//! effect. The crisis lines are the numbers of [`crate::safety`] (United States), in each
//! language; a test keeps them the same.
//!
//! English follows US conventions (month before day, 12-hour times), as the crisis numbers do;
//! Spanish uses "usted" and 24-hour times ("martes 8 de diciembre, 19:00–20:00").

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::domain::cost::Cost;
use crate::domain::person::Person;
use crate::domain::vocab::{Approach, Fellowship, Need, Requirement};

/// A language the handout is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandoutLanguage {
    /// English.
    English,
    /// Spanish.
    Spanish,
}

impl HandoutLanguage {
    /// Every language the handout has.
    pub const ALL: &'static [HandoutLanguage] =
        &[HandoutLanguage::English, HandoutLanguage::Spanish];

    /// The language of `code` (ISO 639-1), when the handout has it.
    pub fn of_code(code: &str) -> Option<HandoutLanguage> {
        match code {
            "en" => Some(HandoutLanguage::English),
            "es" => Some(HandoutLanguage::Spanish),
            _ => None,
        }
    }

    /// The first of the person's languages the handout has, else English: a person who gives
    /// `fr, es` gets Spanish.
    ///
    /// ```
    /// use groupmatch::handout::HandoutLanguage;
    /// let mut person: groupmatch::Person = serde_json::from_str(r#"{"id": "p1", "stage": "early",
    ///     "approach_preference": "secular", "format_preference": "online",
    ///     "availability": ["Mon 18:00-22:00"], "timezone": "UTC", "languages": ["fr", "es"]}"#)
    ///     .unwrap();
    /// assert_eq!(HandoutLanguage::for_person(&person), HandoutLanguage::Spanish);
    /// person.languages = vec!["fr".parse().unwrap()];
    /// assert_eq!(HandoutLanguage::for_person(&person), HandoutLanguage::English);
    /// ```
    pub fn for_person(person: &Person) -> HandoutLanguage {
        person
            .languages
            .iter()
            .find_map(|l| HandoutLanguage::of_code(l.as_str()))
            .unwrap_or(HandoutLanguage::English)
    }

    pub(crate) fn text(self) -> &'static Text {
        match self {
            HandoutLanguage::English => &ENGLISH,
            HandoutLanguage::Spanish => &SPANISH,
        }
    }
}

/// Every fixed text of a page in one language.
pub(crate) struct Text {
    pub(crate) code: &'static str,
    pub(crate) title: &'static str,
    pub(crate) intro: &'static str,
    pub(crate) prepared_on: fn(NaiveDate) -> String,
    pub(crate) times_in_zone: fn(&str) -> String,
    pub(crate) programme: fn(Approach, Option<Fellowship>) -> String,
    pub(crate) open_meeting: &'static str,
    pub(crate) closed_meeting: &'static str,
    pub(crate) closed_family: &'static str,
    pub(crate) next_dates: &'static str,
    pub(crate) none_fit: &'static str,
    pub(crate) no_dates: &'static str,
    /// A session from its local start to its local end.
    pub(crate) date_time: fn(NaiveDateTime, NaiveDateTime) -> String,
    pub(crate) address: &'static str,
    pub(crate) ask_address: &'static str,
    pub(crate) join_online: &'static str,
    pub(crate) ask_link: &'static str,
    pub(crate) phone: &'static str,
    pub(crate) website: &'static str,
    pub(crate) accessibility: &'static str,
    pub(crate) need: fn(Need) -> &'static str,
    pub(crate) not_stated: &'static str,
    pub(crate) cost: &'static str,
    pub(crate) describe_cost: fn(Cost) -> String,
    pub(crate) before_you_go: &'static str,
    pub(crate) newcomer_contact: fn(&str) -> String,
    pub(crate) requirement: fn(Requirement) -> &'static str,
    pub(crate) needed_first: fn(&str) -> String,
    pub(crate) first_meeting_heading: &'static str,
    pub(crate) first_meeting_peer: &'static str,
    pub(crate) first_meeting_professional: &'static str,
    pub(crate) first_meeting_family: &'static str,
    pub(crate) first_meeting_online: &'static str,
    /// Monday first.
    pub(crate) short_days: [&'static str; 7],
    pub(crate) week_caption: &'static str,
    pub(crate) week_available: &'static str,
    pub(crate) week_session: &'static str,
    pub(crate) week_not_weekly: &'static str,
    pub(crate) hour_label: fn(u32) -> String,
    pub(crate) referrer_heading: &'static str,
    pub(crate) referrer_note: &'static str,
    pub(crate) crisis_heading: &'static str,
    pub(crate) crisis_lines: &'static [&'static str],
    pub(crate) privacy: &'static str,
}

const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ES_DAYS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

fn weekday(date: NaiveDate) -> usize {
    date.weekday().num_days_from_monday() as usize
}

fn month(date: NaiveDate) -> usize {
    date.month0() as usize
}

/// `7:00 pm`, `12:30 pm`, `12:00 am`.
fn en_clock(t: NaiveDateTime) -> (String, &'static str) {
    let (pm, hour) = t.hour12();
    let minute = t.minute();
    (format!("{hour}:{minute:02}"), if pm { "pm" } else { "am" })
}

fn en_date_time(start: NaiveDateTime, end: NaiveDateTime) -> String {
    let d = start.date();
    let (from, from_half) = en_clock(start);
    let (to, to_half) = en_clock(end);
    let times = if from_half == to_half && start.date() == end.date() {
        format!("{from}–{to} {to_half}")
    } else {
        format!("{from} {from_half}–{to} {to_half}")
    };
    format!(
        "{}, {} {}, {times}",
        EN_DAYS[weekday(d)],
        EN_MONTHS[month(d)],
        d.day()
    )
}

fn es_date_time(start: NaiveDateTime, end: NaiveDateTime) -> String {
    let d = start.date();
    format!(
        "{} {} de {}, {}–{}",
        ES_DAYS[weekday(d)],
        d.day(),
        ES_MONTHS[month(d)],
        start.format("%H:%M"),
        end.format("%H:%M")
    )
}

fn en_programme(approach: Approach, fellowship: Option<Fellowship>) -> String {
    use Approach::*;
    let named = |generic: &str| match fellowship {
        Some(f) => format!("{generic} ({})", f.label()),
        None => generic.to_string(),
    };
    match approach {
        TwelveStep => format!(
            "{}: members take turns to share their own experience of staying sober, and follow \
             the Twelve Steps; it is free, led by members, and spiritual without being tied to \
             a religion.",
            named("A 12-step meeting")
        ),
        SmartRecovery => "SMART Recovery: a secular group where members learn practical tools \
             (from cognitive-behavioural methods) to change drinking or drug use, with a trained \
             volunteer leading the discussion."
            .into(),
        Lifering => "LifeRing Secular Recovery: a secular group where members talk about their \
             past week and build their own plan to stay sober, with no steps and no higher power."
            .into(),
        WomenForSobriety => "Women for Sobriety: a group for women, in a small circle, built on \
             positive statements about yourself and sharing how your week went."
            .into(),
        RecoveryDharma => "Recovery Dharma: a group that uses meditation and Buddhist teachings \
             for recovery; no belief is required."
            .into(),
        CelebrateRecovery => "Celebrate Recovery: a Christian recovery programme, usually held \
             at a church, with worship, teaching and small groups."
            .into(),
        SecularOther => "A secular support group: members support each other in recovery \
             without any religious or spiritual content."
            .into(),
        Cbt => "A therapy group led by a professional, using cognitive behavioural therapy \
             (CBT): you learn to spot the thoughts and situations that lead to using and \
             practise ways to cope."
            .into(),
        Motivational => "A group led by a professional that helps you weigh what you want to \
             change and why, at your own pace (motivational interviewing)."
            .into(),
        Psychoeducation => "A class-like group led by a professional about how alcohol and \
             drugs affect the body, the mind and the family, and how recovery works."
            .into(),
        DualRecovery => "A group for people living with both a substance use problem and a \
             mental health condition, where both can be talked about openly."
            .into(),
        FamilySupport => format!(
            "{}: a group for family members and friends of someone who drinks or uses; the \
             meeting is about your own well-being.",
            named("A family support group")
        ),
        Craft => "A group that teaches family members skills to talk with a loved one who \
             drinks or uses and to encourage them towards treatment (CRAFT)."
            .into(),
        Other => "A support group for people in recovery; ask the group about its approach.".into(),
    }
}

fn es_programme(approach: Approach, fellowship: Option<Fellowship>) -> String {
    use Approach::*;
    let named = |generic: &str| match fellowship {
        Some(f) => format!("{generic} ({})", f.label()),
        None => generic.to_string(),
    };
    match approach {
        TwelveStep => format!(
            "{}: los miembros comparten por turnos su propia experiencia para mantenerse \
             sobrios y siguen los Doce Pasos; es gratuita, la dirigen los propios miembros y es \
             espiritual sin estar ligada a una religión.",
            named("Una reunión de 12 pasos")
        ),
        SmartRecovery => "SMART Recovery: un grupo laico donde los miembros aprenden \
             herramientas prácticas (de métodos cognitivo-conductuales) para cambiar el consumo \
             de alcohol o drogas, con un voluntario capacitado que guía la conversación."
            .into(),
        Lifering => "LifeRing Secular Recovery: un grupo laico donde los miembros hablan de su \
             última semana y crean su propio plan para mantenerse sobrios, sin pasos ni poder \
             superior."
            .into(),
        WomenForSobriety => "Women for Sobriety: un grupo para mujeres, en un círculo pequeño, \
             basado en afirmaciones positivas sobre una misma y en compartir cómo fue la semana."
            .into(),
        RecoveryDharma => "Recovery Dharma: un grupo que usa la meditación y enseñanzas \
             budistas para la recuperación; no hace falta tener ninguna creencia."
            .into(),
        CelebrateRecovery => "Celebrate Recovery: un programa cristiano de recuperación, por lo \
             general en una iglesia, con alabanza, enseñanza y grupos pequeños."
            .into(),
        SecularOther => "Un grupo de apoyo laico: los miembros se apoyan en la recuperación sin \
             contenido religioso ni espiritual."
            .into(),
        Cbt => "Un grupo de terapia dirigido por un profesional, con terapia cognitivo-conductual \
             (TCC): aprende a reconocer los pensamientos y situaciones que llevan al consumo y \
             practica maneras de afrontarlos."
            .into(),
        Motivational => "Un grupo dirigido por un profesional que le ayuda a pensar qué quiere \
             cambiar y por qué, a su propio ritmo (entrevista motivacional)."
            .into(),
        Psychoeducation => "Un grupo tipo clase, dirigido por un profesional, sobre cómo el \
             alcohol y las drogas afectan al cuerpo, la mente y la familia, y cómo funciona la \
             recuperación."
            .into(),
        DualRecovery => "Un grupo para personas que viven a la vez con un problema de consumo y \
             una condición de salud mental, donde se puede hablar abiertamente de ambos."
            .into(),
        FamilySupport => format!(
            "{}: un grupo para familiares y amigos de alguien que bebe o consume; la reunión se \
             centra en su propio bienestar.",
            named("Un grupo de apoyo para familias")
        ),
        Craft => "Un grupo que enseña a los familiares a hablar con un ser querido que bebe o \
             consume y a animarle a buscar tratamiento (CRAFT)."
            .into(),
        Other => "Un grupo de apoyo para personas en recuperación; pregunte al grupo por su \
             enfoque."
            .into(),
    }
}

fn en_need(need: Need) -> &'static str {
    match need {
        Need::CoOccurring => "mental health welcome",
        Need::Trauma => "trauma-informed",
        Need::Grief => "grief and loss",
        Need::ChronicPain => "chronic pain",
        Need::Childcare => "childcare during sessions",
        Need::Wheelchair => "wheelchair accessible",
        Need::Asl => "ASL interpretation",
        Need::ProofOfAttendance => "signed proof of attendance",
    }
}

fn es_need(need: Need) -> &'static str {
    match need {
        Need::CoOccurring => "se acoge la salud mental",
        Need::Trauma => "con enfoque en el trauma",
        Need::Grief => "duelo y pérdida",
        Need::ChronicPain => "dolor crónico",
        Need::Childcare => "cuidado de niños durante las sesiones",
        Need::Wheelchair => "accesible en silla de ruedas",
        Need::Asl => "intérprete de lengua de señas (ASL)",
        Need::ProofOfAttendance => "comprobante de asistencia firmado",
    }
}

fn en_cost(cost: Cost) -> String {
    match cost {
        Cost::Donation => "Free; a basket may be passed for donations (giving is optional)".into(),
        Cost::SlidingScale => "A fee on a sliding scale (by income)".into(),
        Cost::Insurance => "Billed to health insurance".into(),
        Cost::Amount { .. } if cost.fee().is_some() => format!("{cost} a session"),
        Cost::Free | Cost::Amount { .. } => "Free".into(),
    }
}

fn es_cost(cost: Cost) -> String {
    match cost {
        Cost::Donation => "Gratis; puede pasar una canasta para donativos (dar es opcional)".into(),
        Cost::SlidingScale => "Una tarifa según sus ingresos (escala móvil)".into(),
        Cost::Insurance => "Se factura al seguro médico".into(),
        Cost::Amount { .. } if cost.fee().is_some() => format!("{cost} por sesión"),
        Cost::Free | Cost::Amount { .. } => "Gratis".into(),
    }
}

fn en_requirement(r: Requirement) -> &'static str {
    match r {
        Requirement::Referral => "a referral from a clinician or programme",
        Requirement::Intake => "an intake appointment",
        Requirement::Insurance => "insurance cover (check it)",
    }
}

fn es_requirement(r: Requirement) -> &'static str {
    match r {
        Requirement::Referral => "una remisión de un médico o programa",
        Requirement::Intake => "una cita de admisión",
        Requirement::Insurance => "cobertura del seguro (compruébela)",
    }
}

pub(crate) static ENGLISH: Text = Text {
    code: "en",
    title: "Your support groups",
    intro: "The groups you chose, with their next dates and how to get there. You can go to \
            any of them; trying more than one is fine.",
    prepared_on: |d| format!("Prepared {} {}, {}", EN_MONTHS[month(d)], d.day(), d.year()),
    times_in_zone: |zone| format!("All times are in your time zone ({zone})"),
    programme: en_programme,
    open_meeting: "Open meeting: anyone is welcome, family and friends too.",
    closed_meeting: "Closed meeting: only for people who want to stop drinking or using.",
    closed_family: "Closed meeting: only for family members and friends.",
    next_dates: "Next dates",
    none_fit: "None of the next sessions falls in the times you gave; the next one is:",
    no_dates: "No session in the next three months: ask the group.",
    date_time: en_date_time,
    address: "Address",
    ask_address: "(ask the group for the exact address)",
    join_online: "Join online",
    ask_link: "ask the group for the link",
    phone: "Phone",
    website: "Website",
    accessibility: "Access",
    need: en_need,
    not_stated: "not stated: ask the group",
    cost: "Cost",
    describe_cost: en_cost,
    before_you_go: "Before you go",
    newcomer_contact: |c| format!("You can talk to a member before your first meeting: {c}."),
    requirement: en_requirement,
    needed_first: |list| format!("Needed before the first session: {list}."),
    first_meeting_heading: "At your first meeting",
    first_meeting_peer: "You can just listen: nobody has to speak or give their full name. \
                         Arrive a few minutes early and say it is your first time if you like; \
                         people will show you around.",
    first_meeting_professional: "A professional leads the group. There may be a short \
                                 registration first; bring a photo ID, and your insurance card \
                                 if the group bills insurance. You can listen before you share.",
    first_meeting_family: "You can just listen. The meeting is about you and your own \
                           well-being, not about changing the person who drinks or uses.",
    first_meeting_online: "Online: try the link a few minutes early; you can keep your camera \
                           off at first.",
    short_days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    week_caption: "Your week",
    week_available: "times you gave",
    week_session: "this group",
    week_not_weekly: "not every week",
    hour_label: |h| match h {
        0 | 24 => "12am".into(),
        12 => "12pm".into(),
        h if h < 12 => format!("{h}am"),
        h => format!("{}pm", h - 12),
    },
    referrer_heading: "Your contact",
    referrer_note: "Call us if a group is not right for you, if you cannot get there, or to \
                    tell us how it went.",
    crisis_heading: "If you need help now",
    crisis_lines: &[
        "In danger now: call 911 or go to the nearest emergency department.",
        "Thoughts of suicide or a crisis: call or text 988 (Suicide & Crisis Lifeline), any \
         time, free.",
        "To find treatment: SAMHSA's National Helpline, 1-800-662-4357 (free, 24/7, in English \
         and Spanish).",
    ],
    privacy: "This page lists only the groups you chose. It holds nothing about your health.",
};

pub(crate) static SPANISH: Text = Text {
    code: "es",
    title: "Sus grupos de apoyo",
    intro: "Los grupos que usted eligió, con sus próximas fechas y cómo llegar. Puede ir a \
            cualquiera de ellos; probar más de uno está bien.",
    prepared_on: |d| {
        format!(
            "Preparado el {} de {} de {}",
            d.day(),
            ES_MONTHS[month(d)],
            d.year()
        )
    },
    times_in_zone: |zone| format!("Todas las horas son de su zona horaria ({zone})"),
    programme: es_programme,
    open_meeting: "Reunión abierta: todos son bienvenidos, también familiares y amigos.",
    closed_meeting: "Reunión cerrada: solo para personas que quieren dejar de beber o consumir.",
    closed_family: "Reunión cerrada: solo para familiares y amigos.",
    next_dates: "Próximas fechas",
    none_fit: "Ninguna de las próximas sesiones cae en los horarios que usted dio; la próxima \
               es:",
    no_dates: "No hay sesiones en los próximos tres meses: pregunte al grupo.",
    date_time: es_date_time,
    address: "Dirección",
    ask_address: "(pregunte al grupo la dirección exacta)",
    join_online: "Unirse en línea",
    ask_link: "pida el enlace al grupo",
    phone: "Teléfono",
    website: "Sitio web",
    accessibility: "Accesibilidad",
    need: es_need,
    not_stated: "no se indica: pregunte al grupo",
    cost: "Costo",
    describe_cost: es_cost,
    before_you_go: "Antes de ir",
    newcomer_contact: |c| format!("Puede hablar con un miembro antes de su primera reunión: {c}."),
    requirement: es_requirement,
    needed_first: |list| format!("Se necesita antes de la primera sesión: {list}."),
    first_meeting_heading: "En su primera reunión",
    first_meeting_peer: "Puede solo escuchar: nadie tiene que hablar ni dar su nombre completo. \
                         Llegue unos minutos antes y, si quiere, diga que es su primera vez; le \
                         orientarán.",
    first_meeting_professional: "Un profesional dirige el grupo. Puede haber un breve registro \
                                 antes; traiga una identificación con foto y su tarjeta del \
                                 seguro si el grupo factura al seguro. Puede escuchar antes de \
                                 compartir.",
    first_meeting_family: "Puede solo escuchar. La reunión trata de usted y de su propio \
                           bienestar, no de cambiar a la persona que bebe o consume.",
    first_meeting_online: "En línea: pruebe el enlace unos minutos antes; puede dejar la cámara \
                           apagada al principio.",
    short_days: ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
    week_caption: "Su semana",
    week_available: "horarios que usted dio",
    week_session: "este grupo",
    week_not_weekly: "no todas las semanas",
    hour_label: |h| format!("{h}h"),
    referrer_heading: "Su contacto",
    referrer_note: "Llámenos si un grupo no es adecuado para usted, si no puede llegar, o para \
                    contarnos cómo le fue.",
    crisis_heading: "Si necesita ayuda ahora",
    crisis_lines: &[
        "En peligro ahora: llame al 911 o vaya a la sala de emergencias más cercana.",
        "Pensamientos de suicidio o una crisis: llame o envíe un mensaje de texto al 988 (Línea \
         988 de Prevención del Suicidio y Crisis), a cualquier hora, gratis; para español, \
         oprima 2.",
        "Para encontrar tratamiento: Línea Nacional de Ayuda de SAMHSA, 1-800-662-4357 \
         (gratis, 24/7, en español e inglés).",
    ],
    privacy: "Esta página solo muestra los grupos que usted eligió. No contiene nada sobre su \
              salud.",
};
