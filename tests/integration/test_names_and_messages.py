"""Names and messages against the real libvirtd: exact names beat patterns, unmatched patterns are
reported, every domain at fault is named, option errors come once for the task."""

from __future__ import annotations

import testbed


def test_a_domain_named_like_a_pattern_is_that_domain_alone(scratch):
    bracketed = scratch.define(testbed.domain_xml(testbed.scratch_name('br') + '[1]'))
    lookalike = scratch.define(testbed.domain_xml(bracketed.replace('[1]', '1')))
    before = scratch.inactive_xml(lookalike)
    result = testbed.run_module('virt_device_bus', {'name': bracketed, 'pin': True})
    assert result['changed'] is True and list(result['domains']) == [bracketed]
    assert result['unmatched_patterns'] == []
    assert scratch.inactive_xml(lookalike) == before


def test_a_pattern_that_matches_nothing_is_warned_about_and_returned(scratch):
    name = scratch.create('q35')
    pattern = testbed.PREFIX + 'nothing-here-*'
    for module in ('virt_device_bus', 'virt_device_info', 'virt_domain'):
        args = {'name': [name, pattern]}
        if module == 'virt_device_bus':
            args['pin'] = True
        result = testbed.run_module(module, args)
        assert result.get('failed') is not True, result
        assert result['unmatched_patterns'] == [pattern], module
        assert any(pattern in warning for warning in result.get('warnings', [])), (module, result.get('warnings'))
        assert list(result['domains']) == [name]


def test_every_domain_at_fault_is_named_and_nothing_is_written(scratch):
    names = [scratch.create('q35'), scratch.create('i440fx'), scratch.create('q35')]
    result = testbed.assert_refused(scratch, 'virt_device_bus', {'disk_bus': 'ide'}, names,
                                    ['2 domains refused', "option disk_bus: value 'ide'", 'allowed: '])
    assert "domain '%s'" % names[0] in result['msg'] and "domain '%s'" % names[2] in result['msg']
    assert "domain '%s'" % names[1] not in result['msg']
    assert result['refused_domains'] == [names[0], names[2]] and result['option'] == 'disk_bus'


def test_an_option_error_comes_once_for_the_task_even_when_no_domain_matches(scratch):
    name = scratch.create('q35')
    for args, fragment in (({'model': 'qemu-xhci', 'count': 0}, 'option count: value 0'),
                           ({'model': 'ehci', 'ports': 4}, 'option ports: value 4')):
        for names in ([name], [testbed.PREFIX + 'nothing-here-*']):
            result = testbed.run_module('virt_usb_controller', dict(args, name=names))
            assert result.get('failed') is True, result
            assert result['msg'].startswith(fragment) and 'domain' not in result['msg'].split(';')[0], result['msg']
