using System.Text;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Json;

/// <summary>
/// The node keeps value and children in one slot and shares name, type and definition with its siblings of the
/// same element: what it stores must not show through the API, whatever order values and children arrive in.
/// </summary>
public class ElementNodeTests
{
    private static ElementNode Parse(string json)
    {
        var result = TestData.Context.Json.Parse(json);
        Assert.That(result.Issues.Where(i => i.IsError), Is.Empty, string.Join("\n", result.Issues));
        return result.Resource!;
    }

    [Test]
    public void A_parsed_tree_takes_more_children_and_keeps_their_order_and_indexes()
    {
        var patient = Parse("""{"resourceType":"Patient","name":[{"given":["a","b"]}]}""");
        var name = patient.Child("name")!;
        var definition = name.Children[0].Definition;
        var added = name.Add(new ElementNode("given", "string", definition, "c"));
        Assert.That(name.ChildrenNamed("given").Select(g => g.Value), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(added.Index, Is.EqualTo(2));
        Assert.That(added.Location, Is.EqualTo("Patient.name[0].given[2]"));
        Assert.That(added.Parent, Is.SameAs(name));
        Assert.That(patient.Descendants().Select(d => d.Name), Is.EqualTo(new[] { "name", "given", "given", "given" }));
    }

    [Test]
    public void A_primitive_keeps_its_value_and_its_extensions_whatever_comes_first()
    {
        var patient = Parse("""{"resourceType":"Patient","_birthDate":{"id":"x"},"birthDate":"1970-01-01","active":true,"_active":{"id":"y"}}""");
        foreach (var (name, value, id) in new[] { ("birthDate", "1970-01-01", "x"), ("active", "true", "y") })
        {
            var node = patient.Child(name)!;
            Assert.That(node.HasValue && node.HasChildren, name);
            Assert.That(node.Value, Is.EqualTo(value));
            Assert.That(node.Child("id")!.Value, Is.EqualTo(id));
            Assert.That(node.TryGetUtf8Value(out _), Is.False, "decoded once read");
        }
    }

    [Test]
    public void A_string_with_escapes_is_unescaped_when_read()
    {
        var patient = Parse("""{"resourceType":"Patient","name":[{"family":"Du\"pont\u00e9\n","_family":{"id":"f"}}]}""");
        var family = patient.Child("name")!.Child("family")!;
        Assert.That(family.TryGetUtf8Value(out _), Is.False, "escaped in the input: not UTF-8 text as it stands");
        Assert.That(family.Value, Is.EqualTo("Du\"pont\u00e9\n"));
        Assert.That(family.Child("id")!.Value, Is.EqualTo("f"));
        var written = FhirJsonWriter.WriteToString(patient);
        Assert.That(Parse(written).Child("name")!.Child("family")!.Value, Is.EqualTo("Du\"pont\u00e9\n"));
    }

    [Test]
    public void Value_and_children_can_be_set_and_cleared_independently()
    {
        var node = new ElementNode("given", "string", null);
        Assert.That(node.HasValue || node.HasChildren, Is.False);
        Assert.That(node.Children, Is.Empty);

        node.SetUtf8Value(Encoding.UTF8.GetBytes("Jean"));
        Assert.That(node.TryGetUtf8Value(out var utf8) && utf8.SequenceEqual("Jean"u8));
        var extension = node.Add(new ElementNode("extension", "Extension", null));
        Assert.That(node.TryGetUtf8Value(out utf8) && utf8.SequenceEqual("Jean"u8), "the value stays UTF-8 when children come");
        Assert.That(node.Value, Is.EqualTo("Jean"));
        Assert.That(node.Children, Is.EqualTo(new[] { extension }));

        node.Value = null;
        Assert.That(node.HasValue, Is.False);
        Assert.That(node.Children, Is.EqualTo(new[] { extension }));

        node.Value = "Marie";
        Assert.That(node.Value, Is.EqualTo("Marie"));
        Assert.That(node.HasChildren);
        Assert.That(node.ToString(), Does.EndWith("= Marie"));
    }

    [Test]
    public void A_value_may_be_any_slice_of_a_buffer()
    {
        var node = new ElementNode("family", "string", null);
        node.SetUtf8Value(new Utf8Source(Encoding.UTF8.GetBytes("[Dupont]")), 1, 6);
        Assert.That(node.TryGetUtf8Value(out var utf8) && utf8.SequenceEqual("Dupont"u8));
        Assert.That(node.Value, Is.EqualTo("Dupont"));
    }

    [Test]
    public void Numbers_and_strings_end_where_their_json_token_ends()
    {
        var observation = Parse("""{"resourceType":"Observation","status":"final","code":{"text":""" + "\"a\\\\\"" + """},"valueQuantity":{"value":-1.5e+3}}""");
        var quantity = observation.Child("value")!;
        Assert.That(quantity.Child("value")!.TryGetUtf8Value(out var number) && number.SequenceEqual("-1.5e+3"u8));
        Assert.That(observation.Child("code")!.Child("text")!.Value, Is.EqualTo("a\\"));
        Assert.That(observation.Child("status")!.TryGetUtf8Value(out var status) && status.SequenceEqual("final"u8));
    }

    [Test]
    public void Nodes_of_one_element_share_name_type_and_definition_but_not_a_choice_of_another_type()
    {
        var bundle = Parse("""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"a"},"valueString":"x"}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"b"},"valueBoolean":true}},
              {"resource":{"resourceType":"Patient","active":true}}]}
            """);
        var resources = bundle.ChildrenNamed("entry").Select(e => e.Child("resource")!).ToList();
        Assert.That(resources.Select(r => (r.Name, r.Type, r.IsResource)), Is.EqualTo(new[]
        {
            ("resource", "Observation", true), ("resource", "Observation", true), ("resource", "Patient", true),
        }));
        Assert.That(resources[0].Child("value")!.Type, Is.EqualTo("string"));
        Assert.That(resources[1].Child("value")!.Type, Is.EqualTo("boolean"));
        Assert.That(resources[1].Child("value")!.SerializedName, Is.EqualTo("valueBoolean"));
        Assert.That(resources[1].Child("value")!.Location, Is.EqualTo("Bundle.entry[1].resource.value.ofType(boolean)"));
    }
}
