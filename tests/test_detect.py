import pytest

from summarizer.text.detect import LOW_CONFIDENCE, detect_language

# Short news-like paragraphs written for these tests.
SAMPLES = {
    "en": "The city council approved the new budget on Monday after a long debate about public transport.",
    "fr": "Le conseil municipal a approuvé lundi le nouveau budget après un long débat sur les transports.",
    "de": "Der Stadtrat hat am Montag nach langer Debatte über den Nahverkehr den neuen Haushalt beschlossen.",
    "es": "El ayuntamiento aprobó el lunes el nuevo presupuesto tras un largo debate sobre el transporte.",
    "ru": "Городской совет в понедельник утвердил новый бюджет после долгих споров о транспорте.",
    "uk": "Міська рада в понеділок затвердила новий бюджет після довгої дискусії про транспорт.",
    "zh": "市议会周一在就公共交通进行长时间辩论后批准了新的预算。",
    "ja": "市議会は月曜日、公共交通をめぐる長い議論の末に新しい予算を承認した。",
    "ko": "시의회는 월요일 대중교통에 관한 긴 토론 끝에 새 예산을 승인했다.",
    "ar": "وافق مجلس المدينة يوم الاثنين على الميزانية الجديدة بعد نقاش طويل حول النقل العام.",
    "hi": "नगर परिषद ने सोमवार को सार्वजनिक परिवहन पर लंबी बहस के बाद नए बजट को मंजूरी दी।",
    "pl": "Rada miasta zatwierdziła w poniedziałek nowy budżet po długiej debacie o transporcie publicznym.",
}


@pytest.mark.parametrize(("code", "text"), SAMPLES.items())
def test_detects_the_language_of_a_news_sentence(code, text):
    detection = detect_language(text)
    assert detection.language == code
    assert detection.reliable


def test_detection_is_deterministic():
    text = SAMPLES["fr"]
    assert {detect_language(text) for _ in range(5)} == {detect_language(text)}


def test_short_text_is_never_reported_as_reliable():
    detection = detect_language("Budget ok")
    assert detection.confidence < LOW_CONFIDENCE and not detection.reliable
