using FhirServer.Conformance.Search;

namespace FhirServer.Conformance.Tests.Search;

public class SearchTextTests
{
    [TestCase("Hélène", "helene")]
    [TestCase("  JEAN-FRANÇOIS   de\tla\nTour ", "jean-francois de la tour")]
    [TestCase("Saint-Étienne", "saint-etienne")]
    [TestCase("Œuvre, cœur, Lætitia", "oeuvre, coeur, laetitia")]
    [TestCase("Straße", "strasse")]
    [TestCase("Nguyễn Thị Ánh", "nguyen thi anh")]
    [TestCase("Ελένη", "ελενη")]
    [TestCase("Йордан", "иордан")]
    [TestCase("He\u0301le\u0300ne", "helene")] // already decomposed: the combining marks go
    [TestCase("Zoë\u00A0Brontë", "zoe bronte")] // no-break space is white space
    [TestCase("already normal", "already normal")]
    [TestCase("", "")]
    [TestCase("   ", "")]
    public void Case_accents_and_white_space_are_folded(string text, string expected)
    {
        Assert.That(SearchText.Normalize(text), Is.EqualTo(expected));
        Assert.That(SearchText.Normalize(expected), Is.EqualTo(expected), "normalizing twice changes nothing");
    }

    [Test]
    public void An_already_normalized_ascii_value_is_returned_as_is()
    {
        const string code = "final";
        Assert.That(SearchText.Normalize(code), Is.SameAs(code));
    }

    [Test]
    public void Every_precomposed_latin_letter_folds_to_an_ascii_letter()
    {
        // Latin-1 Supplement and Latin Extended-A letters (other than the ligatures and letters with no
        // decomposition: Ð, Ø, Þ, Đ, Ħ, ı, Ŀ, Ł, Ŋ, Ŧ…) all lose their marks.
        var undecomposable = "ÐØÞðøþĐđĦħıĲĳĸĿŀŁłŉŊŋŦŧſ×÷";
        for (var c = '\u00C0'; c <= '\u017F'; c++)
        {
            if (undecomposable.Contains(c) || c is 'Æ' or 'æ' or 'Œ' or 'œ' or 'ß') continue;
            Assert.That(SearchText.Normalize(c.ToString()), Does.Match("^[a-z]$"), $"U+{(int)c:X4} {c}");
        }
    }
}
