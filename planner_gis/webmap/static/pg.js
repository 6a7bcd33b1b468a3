// Page helpers of the planner-gis web maps (trusted code, written once into the page's head).
// pgDecode turns the encoded geometries into GeoJSON geometries once; pgLayer makes an
// L.geoJson whose features (shared geometry + own properties and style) are only built when
// first shown; pgBindText binds a feature's tooltip and popup text; pgLegendFollows and
// pgFollow keep the legend title and the overlays in step with the choropleth shown.
function pgDecode(items, scale) {
  var lat = 0, lon = 0;
  function ring(s) {
    var pts = [], i = 0, n = s.length;
    while (i < n) {
      for (var k = 0; k < 2; k++) {
        var shift = 0, result = 0, b;
        do { b = s.charCodeAt(i++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
        var d = (result & 1) ? ~(result >> 1) : (result >> 1);
        if (k === 0) { lat += d; } else { lon += d; }
      }
      pts.push([lon / scale, lat / scale]);
    }
    if (pts.length) { pts.push(pts[0]); }
    return pts;
  }
  return items.map(function (item) {
    if (typeof item !== 'string') { return item; }
    var polys = item.split(';').map(function (p) { return p.split(' ').map(ring); });
    return polys.length === 1 ? {type: 'Polygon', coordinates: polys[0]}
                              : {type: 'MultiPolygon', coordinates: polys};
  });
}
function pgLayer(store, texts, spec, options, onEach) {
  var opts = Object.assign({}, options);
  opts.style = function (f) { return spec.S[spec.s[f.pgIndex]]; };
  var layer;
  opts.onEachFeature = function (feature, sub) {
    if (onEach) { onEach(feature, sub); }
    if (spec.H) {
      sub.on({
        mouseover: function (e) { e.target.setStyle(spec.H[spec.h[feature.pgIndex]]); },
        mouseout: function (e) { layer.resetStyle(e.target); }
      });
    }
  };
  layer = L.geoJson(null, opts);
  var loaded = false, onAdd = layer.onAdd;
  layer.pgLoad = function () {
    if (loaded) { return; }
    loaded = true;
    layer.addData({type: 'FeatureCollection', features: spec.g.map(function (gi, i) {
      var props = {};
      Object.keys(spec.p[i]).forEach(function (k) {
        props[k] = spec.p[i][k].map(function (t) { return texts[t]; }).join('');
      });
      return {type: 'Feature', pgIndex: i, properties: props, geometry: store[gi]};
    })});
  };
  layer.onAdd = function (map) { layer.pgLoad(); return onAdd.call(this, map); };
  return layer;
}
function pgBindText(feature, layer) {
  var p = feature.properties || {};
  if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }
  if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380, autoPanPaddingTopLeft: [60, 70],
                                              autoPanPaddingBottomRight: [20, 20]}); }
}
function pgLegendFollows(map) {
  // the layer names are already HTML-escaped in Python, as Leaflet's layer control shows them as HTML
  map.on('baselayerchange', function (e) {
    var els = document.querySelectorAll('.pg-legend-layer');
    for (var i = 0; i < els.length; i++) { els[i].innerHTML = e.name; }
  });
}
function pgHatch(id, color) {
  // an SVG pattern of thin diagonal lines, used as a fill ('url(#id)'): the areas below stay readable
  if (document.getElementById(id)) { return; }
  var ns = 'http://www.w3.org/2000/svg';
  var svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
  svg.style.position = 'absolute';
  var pattern = document.createElementNS(ns, 'pattern');
  pattern.setAttribute('id', id);
  pattern.setAttribute('patternUnits', 'userSpaceOnUse');
  pattern.setAttribute('width', '8'); pattern.setAttribute('height', '8');
  pattern.setAttribute('patternTransform', 'rotate(45)');
  var line = document.createElementNS(ns, 'line');
  line.setAttribute('x1', '0'); line.setAttribute('y1', '0');
  line.setAttribute('x2', '0'); line.setAttribute('y2', '8');
  line.setAttribute('stroke', color); line.setAttribute('stroke-width', '1.5');
  pattern.appendChild(line);
  var defs = document.createElementNS(ns, 'defs');
  defs.appendChild(pattern);
  svg.appendChild(defs);
  document.body.appendChild(svg);
}
function pgLegendItems(map, groups) {
  // a legend item of an overlay shows only while that overlay is on and draws something
  function update() {
    groups.forEach(function (g) {
      var show = map.hasLayer(g.group) && g.group.getLayers().length > 0;
      var els = document.querySelectorAll('[data-pg-group="' + g.key + '"]');
      for (var i = 0; i < els.length; i++) { els[i].style.display = show ? '' : 'none'; }
    });
  }
  map.on('baselayerchange overlayadd overlayremove', update);
  update();
}
function pgFollow(map, groups, initial) {
  // fill each group with the members of the choropleth layer shown
  function sync(label) {
    groups.forEach(function (g) {
      g.group.clearLayers();
      (g.members[label] || []).forEach(function (l) { g.group.addLayer(l); });
    });
  }
  map.on('baselayerchange', function (e) { sync(e.name); });
  sync(initial);
}
