using FhirServer.Terminology.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class LookupTests
{
    private const string Animals = "http://example.org/cs/animals";

    [Test]
    public void Lookup_gives_display_designations_and_hierarchy()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue(Animals, "mammal")) { TxResources = [Support.TestTerminology.Animals()] });
        Assert.That(result.Display, Is.EqualTo("Mammal"));
        Assert.That(result.Version, Is.EqualTo("1.0"));
        Assert.That(result.Designations.Select(d => d.Value), Is.EqualTo(new[] { "Mammifère" }));
        Assert.That(result.Properties.Where(p => p.Code == "parent").Select(p => p.Value), Is.EqualTo(new[] { "animal" }));
        Assert.That(result.Properties.Where(p => p.Code == "child").Select(p => p.Value), Is.EquivalentTo(new[] { "dog", "cat" }));
    }

    [Test]
    public void Lookup_tells_the_system_and_whether_the_concept_is_active()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue(Animals, "dog")) { TxResources = [Support.TestTerminology.Animals()] });
        Assert.That((result.System, result.Code), Is.EqualTo(((string?)Animals, "dog")));
        Assert.That(result.Properties.Where(p => p.Code == "inactive").Select(p => p.Value), Is.EqualTo(new[] { "false" }));
    }

    [Test]
    public void The_name_is_the_code_system_name_not_its_title()
    {
        var cs = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/named","name":"NamedSystem","title":"A Named System","status":"active",
             "content":"complete","concept":[{"code":"a"}]}
            """);
        var result = Service().Lookup(new LookupRequest(new CodingValue("http://example.org/cs/named", "a")) { TxResources = [cs] });
        Assert.That(result.Name, Is.EqualTo("NamedSystem"));
    }

    [Test]
    public void Parent_property_links_concepts_both_ways()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue(Animals, "animal")) { TxResources = [Support.TestTerminology.Animals()] });
        Assert.That(result.Properties.Where(p => p.Code == "child").Select(p => p.Value), Is.EquivalentTo(new[] { "mammal", "bird", "fish" }));
    }

    [Test]
    public void Display_language_picks_the_designation()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue(Animals, "dog"), DisplayLanguage: "fr") { TxResources = [Support.TestTerminology.Animals()] });
        Assert.That(result.Display, Is.EqualTo("Chien"));
    }

    [Test]
    public void Translations_of_the_definition_and_display_serve_the_display_language()
    {
        var cs = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/de","language":"de","name":"De","title":"Deutsch","status":"active","content":"complete",
             "_title":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/translation","extension":[{"url":"lang","valueCode":"en"},{"url":"content","valueString":"German"}]}]},
             "concept":[{"code":"a","display":"Anzeige","definition":"Mein Code",
               "_display":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/translation","extension":[{"url":"lang","valueCode":"en"},{"url":"content","valueString":"Display"}]}]},
               "_definition":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/translation","extension":[{"url":"lang","valueCode":"en"},{"url":"content","valueString":"My code"}]}]}}]}
            """);
        var english = Service().Lookup(new LookupRequest(new CodingValue("http://example.org/cs/de", "a"), DisplayLanguage: "en") { TxResources = [cs] });
        Assert.That((english.Name, english.Display, english.Definition), Is.EqualTo(("De", (string?)"Display", (string?)"My code")));
        var german = Service().Lookup(new LookupRequest(new CodingValue("http://example.org/cs/de", "a")) { TxResources = [cs] });
        Assert.That((german.Name, german.Display, german.Definition), Is.EqualTo(("De", (string?)"Anzeige", (string?)"Mein Code")));
        // The display is also the designation in the code system's language, first.
        Assert.That(german.Designations.Select(d => (d.Language, d.Value)), Is.EqualTo(new[] { ((string?)"de", "Anzeige"), ("en", "Display") }));
        Assert.That(german.Designations[0].Use?.Code, Is.EqualTo("preferredForLanguage"));
    }

    [Test]
    public void Versions_live_side_by_side()
    {
        var service = Service();
        var resources = new[] { Support.TestTerminology.Animals("1.0"), Support.TestTerminology.Animals("2.0") };
        Assert.That(service.Lookup(new LookupRequest(new CodingValue(Animals, "dog")) { TxResources = resources }).Version, Is.EqualTo("2.0"));
        Assert.That(service.Lookup(new LookupRequest(new CodingValue(Animals, "dog", Version: "1.0")) { TxResources = resources }).Version, Is.EqualTo("1.0"));
    }

    [Test]
    public void Unknown_system_and_code_are_not_found()
    {
        var e = Assert.Throws<TerminologyException>(() => Service().Lookup(new LookupRequest(new CodingValue("http://example.org/none", "x"))));
        Assert.That(e!.IssueCode, Is.EqualTo("not-found"));
        e = Assert.Throws<TerminologyException>(() => Service().Lookup(new LookupRequest(new CodingValue(Animals, "unicorn")) { TxResources = [Support.TestTerminology.Animals()] }));
        Assert.That(e!.Message, Does.Contain("unicorn"));
    }

    [Test]
    public void Package_code_systems_are_found()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue("http://hl7.org/fhir/administrative-gender", "female")));
        Assert.That(result.Display, Is.EqualTo("Female"));
    }
}
