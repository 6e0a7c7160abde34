// TRS WCM pager: writes links to index.html, index_1.html ... index_{count-1}.html.
function createPageHTML(count, current, stem, ext) {
  if (count <= 1) return;
  var name = function (i) { return i === 0 ? stem + '.' + ext : stem + '_' + i + '.' + ext; };
  var html = '';
  for (var i = 0; i < count; i++) html += i === current ? '<span>' + (i + 1) + '</span> ' : '<a href="' + name(i) + '">' + (i + 1) + '</a> ';
  document.write(html);
}
function doZoom(size) { document.querySelector('.TRS_Editor').style.fontSize = size + 'px'; }
