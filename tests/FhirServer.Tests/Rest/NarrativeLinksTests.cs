using FhirServer.Rest;

namespace FhirServer.Tests.Rest;

/// <summary>The narrative's links to transaction entries (http.html#trules: a href and img src).</summary>
public class NarrativeLinksTests
{
    private static readonly Dictionary<string, string> Entries = new()
    {
        ["urn:uuid:1"] = "Binary/b1",
        ["http://example.org/fhir/Binary?a=1&b=2"] = "Binary/b2",
    };

    [TestCase("""<div><a href="urn:uuid:1">x</a></div>""", """<div><a href="Binary/b1">x</a></div>""")]
    [TestCase("""<div><img alt="" src = 'urn:uuid:1'/></div>""", """<div><img alt="" src = 'Binary/b1'/></div>""")]
    [TestCase("<div><a title=\"t\"\n  href=\"urn:uuid:1\">x</a></div>", "<div><a title=\"t\"\n  href=\"Binary/b1\">x</a></div>")]
    [TestCase("""<div><a title="see href='urn:uuid:1'" href="urn:uuid:1">x</a></div>""", """<div><a title="see href='urn:uuid:1'" href="Binary/b1">x</a></div>""")]
    [TestCase("""<div><a href="http://example.org/fhir/Binary?a=1&amp;b=2">x</a></div>""", """<div><a href="Binary/b2">x</a></div>""")]
    [TestCase("""<div><h:a xmlns:h="http://www.w3.org/1999/xhtml" href="urn:uuid:1">x</h:a></div>""", """<div><h:a xmlns:h="http://www.w3.org/1999/xhtml" href="Binary/b1">x</h:a></div>""")]
    public void Links_and_images_to_entries_name_them_by_their_new_id(string div, string expected) =>
        Assert.That(BundleProcessor.RewriteNarrativeLinks(div, Entries), Is.EqualTo(expected));

    [TestCase("""<div>href="urn:uuid:1"</div>""")]
    [TestCase("""<div><p data-href="urn:uuid:1">x</p></div>""")]
    [TestCase("""<div><abbr title="urn:uuid:1">x</abbr><area href="urn:uuid:1"/></div>""")]
    [TestCase("""<div><a data-href="urn:uuid:1" href="urn:uuid:2">x</a></div>""")]
    [TestCase("""<div><a href="urn:uuid:10">x</a></div>""")]
    public void Text_other_attributes_and_other_urls_are_left_as_written(string div) =>
        Assert.That(BundleProcessor.RewriteNarrativeLinks(div, Entries), Is.EqualTo(div));
}
